package dev.triplane.infra.service;

import dev.triplane.core.synthetic.SyntheticScan;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * Runs the service's {@link Warmup}s {@code triplane.warmup-rounds} times once it has started, before it reports
 * ready to take traffic. A warm-up that fails is logged and skipped: it only costs the first scan some speed.
 */
public class WarmupRunner {

    private static final Logger LOG = LoggerFactory.getLogger(WarmupRunner.class);

    private final List<Warmup> warmups;
    private final int rounds;

    public WarmupRunner(List<Warmup> warmups, int rounds) {
        this.warmups = List.copyOf(warmups);
        this.rounds = rounds;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void run() {
        if (warmups.isEmpty() || rounds <= 0) {
            return;
        }
        long start = System.nanoTime();
        SyntheticScan scan = SyntheticScan.create();
        for (Warmup warmup : warmups) {
            try {
                for (int r = 0; r < rounds; r++) {
                    warmup.run(scan);
                }
            } catch (RuntimeException e) {
                LOG.warn("warm-up {} failed, the first scan will be slower: {}", warmup.getClass().getSimpleName(),
                        e.toString());
            }
        }
        LOG.info("warmed up on a synthetic scan in {} ms ({} rounds)", (System.nanoTime() - start) / 1_000_000,
                rounds);
    }
}
