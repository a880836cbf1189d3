package io.txring.docker;

/** The mail-spool image built on {@link DockerEngine#MTA_IMAGE}: Postfix, Python and {@code mailspool} in one image. */
record MtaImage(MailSpoolImage image) implements AutoCloseable {
    String name() {
        return image.name();
    }

    @Override
    public void close() {
        image.close();
    }
}
