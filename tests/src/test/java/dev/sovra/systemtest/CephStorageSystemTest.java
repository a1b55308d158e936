package dev.sovra.systemtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage test list on Ceph RBD (remote-durable SKUs), against the single-node cluster of
 * scripts/ceph-setup.sh with cephx: QEMU reaches the images through librbd with the key in a libvirt secret.
 */
class CephStorageSystemTest extends StorageSystemTest {

    @BeforeAll
    static void start() {
        startAppliance("storage-ceph", true);
    }

    /** After everything is deleted, no libvirt secret of Sovra's is left either. */
    @AfterAll
    static void noSecretLeft() {
        String secrets = Appliance.run("virsh", "-c", "qemu:///system", "secret-list");
        assertTrue(!secrets.contains("sovra client."), "a Sovra Ceph secret outlived its domains:\n" + secrets);
    }

    @Override
    String sku() {
        return "seca.rd500";
    }

    @Override
    String backend() {
        return "ceph";
    }

    @Override
    Set<String> onBackend(Set<String> uids) {
        Set<String> found = new HashSet<>();
        String listing = Appliance.run("rbd", "--id", "sovra", "ls", "sovra");
        Arrays.stream(listing.split("\\s+")).forEach(name -> uids.stream().filter(name::contains).forEach(found::add));
        return found;
    }
}
