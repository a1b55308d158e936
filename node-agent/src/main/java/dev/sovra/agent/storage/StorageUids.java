package dev.sovra.agent.storage;

import java.util.UUID;

/**
 * Backend object names are made from uids, so a uid must be a canonical lower-case UUID: then no uid can
 * name a path outside a driver's directories or an object the driver does not own.
 */
public final class StorageUids {
    private StorageUids() {
    }

    /** Returns {@code uid}, or throws a {@link StorageException} if it is not a canonical lower-case UUID. */
    public static String requireCanonical(String uid) {
        if (!isCanonical(uid)) {
            throw new StorageException(String.valueOf(uid), "storage uid must be a canonical lower-case UUID, was " + uid);
        }
        return uid;
    }

    /** Checks the arguments of {@link VolumeDriver#ensureVolume}, the same for every backend. */
    public static void requireVolumeRequest(String uid, long sizeMiB, String sourceImageUid) {
        requireCanonical(uid);
        if (sourceImageUid != null) {
            requireCanonical(sourceImageUid);
        }
        if (sizeMiB < 1) {
            throw new StorageException(uid, "volume " + uid + " needs a size of at least 1 MiB, was " + sizeMiB);
        }
    }

    /** True for a canonical lower-case UUID such as {@code 0f8fad5b-d9cb-469f-a165-70867728950e}. */
    public static boolean isCanonical(String text) {
        if (text == null || text.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(text).toString().equals(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
