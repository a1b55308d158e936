package dev.sovra.controller.network;

import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.controller.store.StateStore;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Controller-side IP address management. A pool (one per subnet for NIC addresses, one per family for
 * public IPs, one per workspace / network for automatically assigned CIDRs) maps each owner to what it
 * holds. Every change is a compare-and-swap of the whole pool, so two concurrent requests can never
 * receive the same automatic address: the loser re-reads and picks the next free one.
 *
 * <p>An owner is recorded before its resource is written (so an exhausted pool refuses the request and
 * nothing is stored). Owners whose resource is gone are dropped the next time the pool changes, once
 * their allocation is older than {@link #GRACE} (the window between allocating and writing a resource).
 */
@Singleton
public final class Ipam {
    static final Duration GRACE = Duration.ofSeconds(60);

    /** What one owner holds: addresses or CIDRs as strings, and when it last changed. */
    public record Allocation(List<String> values, Instant at) {}

    /** One pool: owner -> allocation. */
    public record Pool(Map<String, Allocation> owners) {
        public Pool {
            owners = owners == null ? Map.of() : Map.copyOf(owners);
        }
    }

    /** Picks an owner's values given everything the other owners hold and what it held before (null if nothing). */
    public interface Chooser {
        List<String> choose(Set<String> takenByOthers, List<String> current);
    }

    private final Repository<Pool> pools;
    private final Clock clock;

    public Ipam(StateStore store, Clock clock) {
        this.pools = new Repository<>(store, "network-ipam", Pool.class);
        this.clock = clock;
    }

    /** Records what chooser picks for owner and returns it; alive says whether another owner's resource still exists. */
    public List<String> assign(String poolKey, String owner, Predicate<String> alive, Chooser chooser) {
        while (true) {
            Optional<Versioned<Pool>> current = pools.get(poolKey);
            Map<String, Allocation> owners = new LinkedHashMap<>(current.map(v -> v.value().owners()).orElse(Map.of()));
            Instant now = clock.instant();
            boolean pruned = owners.entrySet().removeIf(e -> !e.getKey().equals(owner)
                    && e.getValue().at().plus(GRACE).isBefore(now) && !alive.test(e.getKey()));
            Set<String> taken = new HashSet<>();
            owners.forEach((o, a) -> {
                if (!o.equals(owner)) {
                    taken.addAll(a.values());
                }
            });
            Allocation mine = owners.get(owner);
            List<String> chosen = List.copyOf(chooser.choose(taken, mine == null ? null : mine.values()));
            if (!pruned && mine != null && mine.values().equals(chosen)) {
                return chosen;
            }
            owners.put(owner, new Allocation(chosen, mine != null && mine.values().equals(chosen) ? mine.at() : now));
            if (pools.compareAndPut(poolKey, new Pool(owners), current.map(Versioned::revision).orElse(0L)).isPresent()) {
                return chosen;
            }
        }
    }

    public Optional<List<String>> held(String poolKey, String owner) {
        return pools.get(poolKey).map(v -> v.value().owners().get(owner)).map(Allocation::values);
    }

    public void release(String poolKey, String owner) {
        while (true) {
            Optional<Versioned<Pool>> current = pools.get(poolKey);
            if (current.isEmpty() || !current.get().value().owners().containsKey(owner)) {
                return;
            }
            Map<String, Allocation> owners = new LinkedHashMap<>(current.get().value().owners());
            owners.remove(owner);
            boolean done = owners.isEmpty() ? pools.compareAndDelete(poolKey, current.get().revision())
                    : pools.compareAndPut(poolKey, new Pool(owners), current.get().revision()).isPresent();
            if (done) {
                return;
            }
        }
    }

    /** Forgets a whole pool (its subnet or network is gone). */
    public void drop(String poolKey) {
        while (true) {
            Optional<Versioned<Pool>> current = pools.get(poolKey);
            if (current.isEmpty() || pools.compareAndDelete(poolKey, current.get().revision())) {
                return;
            }
        }
    }

    /**
     * The first block of the given prefix length inside parent that overlaps nothing in used and is not one of the
     * reserved addresses; null if parent is full.
     */
    public static Ip.Block firstFree(Ip.Block parent, int prefix, Collection<Ip.Block> used, Set<BigInteger> reserved) {
        List<Ip.Block> taken = new ArrayList<>(used.stream().filter(parent::overlaps).toList());
        for (BigInteger address : reserved) {
            taken.add(new Ip.Block(parent.family(), address, parent.family().bits));
        }
        taken.sort(Comparator.comparing(Ip.Block::base));
        BigInteger size = BigInteger.ONE.shiftLeft(parent.family().bits - prefix);
        BigInteger candidate = parent.base();
        boolean moved = true;
        while (moved) {
            if (candidate.add(size).subtract(BigInteger.ONE).compareTo(parent.last()) > 0) {
                return null;
            }
            Ip.Block block = new Ip.Block(parent.family(), candidate, prefix);
            moved = false;
            for (Ip.Block t : taken) {
                if (t.overlaps(block)) {
                    // Jump to the first aligned block after the one in the way.
                    BigInteger next = t.last().add(BigInteger.ONE);
                    BigInteger remainder = next.subtract(parent.base()).mod(size);
                    candidate = remainder.signum() == 0 ? next : next.add(size.subtract(remainder));
                    moved = true;
                    break;
                }
            }
            if (!moved) {
                return block;
            }
        }
        return null;
    }
}
