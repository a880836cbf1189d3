package io.txring.txn;

import java.nio.file.InvalidPathException;

/**
 * A path relative to the store root, checked lexically before the kernel resolves it
 * with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: no absolute paths, no {@code ..}, no empty
 * or {@code .} components, nothing under {@code .txring}, no shadow names.
 */
record StorePath(String path, String parent, String leaf) {
    static final String META_DIR = ".txring";
    static final String SHADOW_PREFIX = ".txr-";

    static StorePath of(String path) {
        if (path == null || path.isEmpty()) throw new InvalidPathException(String.valueOf(path), "empty path");
        if (path.startsWith("/")) throw new InvalidPathException(path, "absolute paths are refused: paths are relative to the store root");
        if (path.indexOf('\0') >= 0 || path.indexOf('\n') >= 0 || path.indexOf('\t') >= 0) {
            throw new InvalidPathException(path, "NUL, newline and tab are refused in store paths");
        }
        if (path.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
            // It would reach the kernel as '?', so two store paths could name one file and take different commit locks.
            throw new InvalidPathException(path.replaceAll("[\\uD800-\\uDFFF]", "?"), "unpaired UTF-16 surrogate in store path");
        }
        String[] parts = path.split("/", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) throw new InvalidPathException(path, "empty or '.' component");
            if (p.equals("..")) throw new InvalidPathException(path, "'..' is refused: it could leave the store");
            if (p.length() > 255) throw new InvalidPathException(path, "component longer than 255 bytes");
        }
        if (parts[0].equals(META_DIR)) throw new InvalidPathException(path, ".txring is the store's own directory");
        String leaf = parts[parts.length - 1];
        if (leaf.startsWith(SHADOW_PREFIX)) throw new InvalidPathException(path, "names starting with .txr- are the store's shadows");
        int slash = path.lastIndexOf('/');
        return new StorePath(path, slash < 0 ? "" : path.substring(0, slash), leaf);
    }
}
