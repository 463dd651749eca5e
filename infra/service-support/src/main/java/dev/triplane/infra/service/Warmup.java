package dev.triplane.infra.service;

import dev.triplane.core.synthetic.SyntheticScan;

/**
 * A service's own steps run on the {@link SyntheticScan} at startup (see {@link WarmupRunner}), so the first real
 * scan does not pay for loading and compiling their code: on a just-started service that is a second or more of a
 * volume's end-to-end time. A warm-up stores no object and sends no event.
 */
@FunctionalInterface
public interface Warmup {

    void run(SyntheticScan scan);
}
