package io.txring.mailspool;

import java.util.Locale;

/**
 * A local mailbox, named by the local part of an address; it is also the mailbox's
 * directory under the spool root, so the rules below are what keeps a name from
 * escaping that root.
 *
 * <p>Policy: {@code alice@example.org} and {@code alice} name the same mailbox — the
 * domain is dropped, because the MTA in front of us has already decided the address is
 * local (as Postfix's {@code local(8)} and Dovecot's LMTP with a single domain do). The
 * local part is folded to lower case, 1..{@value #MAX_LENGTH} characters of RFC 5322
 * {@code atext} and dots, without {@code /}, a leading or trailing dot, or {@code ..}.
 * Quoted local parts, NUL, control characters, spaces and non-ASCII are refused.
 *
 * @param mailbox the directory name under the spool root
 */
public record Recipient(String mailbox) {
    /** RFC 5321's limit for a local part. */
    public static final int MAX_LENGTH = 64;

    public Recipient {
        String why = problem(mailbox);
        if (why != null) throw new IllegalArgumentException("mailbox " + printable(mailbox) + ": " + why);
    }

    /** Parses an address ({@code local} or {@code local@domain}, without angle brackets). */
    public static Recipient parse(String address) throws InvalidRecipientException {
        if (address == null || address.isEmpty()) throw new InvalidRecipientException("", "empty address");
        int at = address.lastIndexOf('@');
        String local = at >= 0 ? address.substring(0, at) : address;
        if (at >= 0 && at == address.length() - 1) throw new InvalidRecipientException(address, "empty domain");
        String folded = local.toLowerCase(Locale.ROOT);
        String why = problem(folded);
        if (why != null) throw new InvalidRecipientException(address, why);
        return new Recipient(folded);
    }

    private static String problem(String local) {
        if (local == null || local.isEmpty()) return "empty local part";
        if (local.length() > MAX_LENGTH) return "local part longer than " + MAX_LENGTH + " characters";
        if (local.charAt(0) == '.') return "starts with a dot";
        if (local.charAt(local.length() - 1) == '.') return "ends with a dot";
        if (local.contains("..")) return "contains '..'";
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '/') return "contains '/'";
            if (c < 0x21 || c > 0x7e) return "contains a control, space or non-ASCII character";
            if (!isAtext(c) && c != '.') return "contains '" + c + "'";
        }
        return null;
    }

    /** RFC 5322 atext: letters, digits and {@code !#$%&'*+-/=?^_`{|}~} — '/' is refused above. */
    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-=?^_`{|}~".indexOf(c) >= 0;
    }

    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (s.length() > 80) b.append("…");
        return b.append('"').toString();
    }

    /** Where messages appear. */
    public String newDir() { return mailbox + "/new"; }

    /** Where messages are written until complete (the txn shadows live here, ShadowPlacement.MAILDIR). */
    public String tmpDir() { return mailbox + "/tmp"; }

    /** Where a mail reader moves messages it has seen. */
    public String curDir() { return mailbox + "/cur"; }

    @Override
    public String toString() { return mailbox; }
}
