package io.txring.txn;

/**
 * Where a transaction's shadow files live: the directory, relative to the store root,
 * for the shadows of targets in {@code targetDirectory}. It must exist and be on the
 * same filesystem as the target (a rename cannot cross filesystems: such a commit
 * fails with EXDEV and changes nothing). A name {@link Transaction#link linked} to a
 * shadow lives beside that shadow, wherever its own target is.
 */
@FunctionalInterface
public interface ShadowPlacement {
    String directoryFor(String targetDirectory);

    /** The default: each shadow beside its target. */
    ShadowPlacement BESIDE_TARGET = dir -> dir;

    /**
     * Maildir's rule: a file is written in {@code tmp/} and appears in {@code new/} or
     * {@code cur/} only complete, so readers listing those never see a partial message.
     */
    ShadowPlacement MAILDIR = dir -> {
        int slash = dir.lastIndexOf('/');
        String leaf = dir.substring(slash + 1);
        return leaf.equals("new") || leaf.equals("cur") ? dir.substring(0, slash + 1) + "tmp" : dir;
    };
}
