package io.txring.docker;

import java.util.UUID;
import org.testcontainers.DockerClientFactory;

/** A named Docker volume for one test, removed by {@link #close()} (after its containers). */
record DockerVolume(String name) implements AutoCloseable {
    static DockerVolume create() {
        String name = "txring-it-" + UUID.randomUUID().toString().substring(0, 8);
        DockerClientFactory.instance().client().createVolumeCmd().withName(name).exec();
        return new DockerVolume(name);
    }

    @Override
    public void close() {
        DockerClientFactory.instance().client().removeVolumeCmd(name).exec();
    }
}
