package dev.sovra.controller.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpTest {
    @Test
    void parsesAndFormatsLiteralsOnly() {
        assertEquals("10.1.0.0/16", Ip.cidr("10.1.2.3/16").orElseThrow().toString(), "host bits are cleared");
        assertEquals("fd00:1::/56", Ip.cidr("fd00:1:0:0::/56").orElseThrow().toString());
        assertEquals("2001:db8::1", Ip.format(Ip.Family.V6, Ip.address("2001:0db8:0:0:0:0:0:1").orElseThrow().base()));
        assertTrue(Ip.address("::ffff:10.0.0.1").isPresent());
        for (String bad : List.of("10.1.1.300", "1.0/8", "::/", "example.com", "1:2:3:4:5:6:7:8:9", "1::2::3", "10.1.0.0/33", "")) {
            assertTrue(Ip.cidr(bad).isEmpty() || !bad.contains("/"), bad);
        }
        assertTrue(Ip.address("example.com").isEmpty());
        assertTrue(Ip.isPrivate(Ip.cidr("172.16.0.0/12").orElseThrow()));
        assertFalse(Ip.isPrivate(Ip.cidr("172.32.0.0/16").orElseThrow()));
        assertTrue(Ip.isPrivate(Ip.cidr("fd12:3456::/48").orElseThrow()));
    }

    @Test
    void firstFreeSkipsUsedBlocksAndReservedAddresses() {
        Ip.Block parent = Ip.cidr("10.0.0.0/8").orElseThrow();
        List<Ip.Block> used = List.of(Ip.cidr("10.0.0.0/16").orElseThrow(), Ip.cidr("10.1.128.0/17").orElseThrow());
        assertEquals("10.1.0.0/17", Ipam.firstFree(parent, 17, used, Set.of()).toString());
        assertEquals("10.2.0.0/16", Ipam.firstFree(parent, 16, used, Set.of()).toString());
        Ip.Block subnet = Ip.cidr("10.1.1.0/30").orElseThrow();
        Set<BigInteger> reserved = Set.of(subnet.base(), subnet.base().add(BigInteger.ONE), subnet.last());
        assertEquals("10.1.1.2/32", Ipam.firstFree(subnet, 32, List.of(), reserved).toString());
        assertNull(Ipam.firstFree(subnet, 32, List.of(Ip.address("10.1.1.2").orElseThrow()), reserved));
    }
}
