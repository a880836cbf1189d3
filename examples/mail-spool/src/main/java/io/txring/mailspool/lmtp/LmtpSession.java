package io.txring.mailspool.lmtp;

import io.txring.mailspool.InvalidRecipientException;
import io.txring.mailspool.Recipient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The LMTP command state machine (RFC 2033 over RFC 5321's commands), without I/O:
 * {@link #handle} turns one command line into its reply and says whether DATA starts
 * or the session ends. The content and the per-recipient replies after DATA are the
 * {@link LmtpHandler}'s.
 *
 * <pre>
 *   START --LHLO--> READY --MAIL--> MAIL --RCPT ok--> RCPT --DATA--> (content) --.--> READY
 *   RSET and LHLO go back to READY from anywhere after START; QUIT ends the session.
 * </pre>
 */
final class LmtpSession {
    enum State { START, READY, MAIL, RCPT, DATA }

    /** An accepted RCPT: what the client wrote (for the reply) and the mailbox it names. */
    record Rcpt(String address, Recipient mailbox) {}

    /** The reply to one command and what follows it; {@code wire} is the reply line encoded once (CRLF included), or null when its text varies. */
    record Step(String reply, boolean startData, boolean close, byte[] wire) {
        static Step of(String reply) { return new Step(reply, false, false, null); }

        /**
         * A reply that never changes: encoded once for every session. Kept as bytes, not a
         * direct buffer: copying from an array into the reply buffer makes no NIO view per copy.
         */
        private static Step fixed(String reply, boolean startData) {
            return new Step(reply, startData, false, (reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    // The replies every message earns, and the ones a flood of junk earns: no text is encoded per reply.
    private static final Step OK = Step.fixed("250 2.0.0 Ok", false);
    private static final Step SENDER_OK = Step.fixed("250 2.1.0 Sender ok", false);
    private static final Step RECIPIENT_OK = Step.fixed("250 2.1.5 Recipient ok", false);
    private static final Step START_DATA = Step.fixed("354 2.0.0 Start mail input; end with <CRLF>.<CRLF>", true);
    private static final Step NOT_ASCII = Step.fixed("500 5.5.2 Syntax error: control or non-ASCII character in command", false);
    private static final Step EMPTY = Step.fixed("500 5.5.2 Syntax error: empty command", false);
    /** The verbs, matched without changing case first. */
    private static final String[] VERBS = {"LHLO", "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "HELP"};

    private final LmtpServerConfig config;
    private State state = State.START;
    private String sender;
    private final List<Rcpt> rcpts = new ArrayList<>();
    private final List<Rcpt> readOnlyRcpts = Collections.unmodifiableList(rcpts);

    LmtpSession(LmtpServerConfig config) {
        this.config = config;
    }

    State state() { return state; }

    String sender() { return sender; }

    /** The accepted recipients (a read-only view: it changes with the session). */
    List<Rcpt> recipients() { return readOnlyRcpts; }

    String greeting() {
        return "220 " + config.hostname() + " LMTP txring mailspool ready";
    }

    /** After the per-recipient replies to DATA: the transaction is over. */
    void messageDone() {
        reset();
    }

    private void reset() {
        sender = null;
        rcpts.clear();
        state = state == State.START ? State.START : State.READY;
    }

    Step handle(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 && c != '\t' || c > 0x7e) return NOT_ASCII;
        }
        if (line.isBlank()) return EMPTY;
        int space = line.indexOf(' ');
        String verb = verb(line, space < 0 ? line.length() : space);
        String arg = space < 0 ? "" : line.substring(space + 1).strip();
        return switch (verb) {
            case "LHLO" -> lhlo(arg);
            case "HELO", "EHLO" -> Step.of("500 5.5.1 This is LMTP (RFC 2033): say LHLO");
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> data(arg);
            case "RSET" -> {
                if (!arg.isEmpty()) yield Step.of("501 5.5.4 Syntax error: RSET takes no argument");
                reset();
                yield OK;
            }
            case "NOOP" -> OK;
            case "QUIT" -> new Step("221 2.0.0 " + config.hostname() + " closing connection", false, true, null);
            case "VRFY" -> Step.of("252 2.5.2 Cannot VRFY user; send some mail and see");
            case "HELP" -> Step.of("214 2.0.0 Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT");
            default -> Step.of("500 5.5.1 Command unrecognized: " + (verb.length() > 16 ? verb.substring(0, 16) + "…" : verb));
        };
    }

    private Step lhlo(String arg) {
        if (arg.isEmpty()) return Step.of("501 5.5.4 Syntax error: LHLO needs a domain");
        state = State.READY;
        reset();
        return Step.of("250-" + config.hostname() + "\r\n"
                + "250-PIPELINING\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n"
                + "250-8BITMIME\r\n"
                + "250 SIZE " + config.maxMessageSize());
    }

    private Step mail(String arg) {
        if (state == State.START) return Step.of("503 5.5.1 Bad sequence of commands: LHLO first");
        if (state != State.READY) return Step.of("503 5.5.1 Bad sequence of commands: nested MAIL");
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) return Step.of("501 5.5.4 Syntax error: MAIL FROM:<address>");
        String rest = arg.substring(5).strip();
        Path p = path(rest);
        if (p == null) return Step.of("501 5.1.7 Bad sender address syntax");
        for (String param : p.params()) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            switch (key) {
                case "SIZE" -> {
                    long size;
                    try {
                        size = Long.parseLong(value == null ? "" : value);
                    } catch (NumberFormatException e) {
                        return Step.of("501 5.5.4 Syntax error: SIZE=<number>");
                    }
                    if (size > config.maxMessageSize()) {
                        return Step.of("552 5.3.4 Message size exceeds fixed maximum message size (" + config.maxMessageSize() + ")");
                    }
                }
                case "BODY" -> {
                    if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        return Step.of("501 5.5.4 Syntax error: BODY=7BIT or BODY=8BITMIME");
                    }
                }
                default -> {
                    return Step.of("555 5.5.4 MAIL parameter not recognized: " + key);
                }
            }
        }
        sender = p.address();
        state = State.MAIL;
        return SENDER_OK;
    }

    private Step rcpt(String arg) {
        if (state != State.MAIL && state != State.RCPT) return Step.of("503 5.5.1 Bad sequence of commands: MAIL first");
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) return Step.of("501 5.5.4 Syntax error: RCPT TO:<address>");
        Path p = path(arg.substring(3).strip());
        if (p == null || p.address().isEmpty()) return Step.of("501 5.1.3 Bad recipient address syntax");
        if (!p.params().isEmpty()) return Step.of("555 5.5.4 RCPT parameters not recognized");
        if (rcpts.size() >= config.maxRecipients()) return Step.of("452 4.5.3 Too many recipients");
        Recipient r;
        try {
            r = Recipient.parse(p.address());
        } catch (InvalidRecipientException e) {
            return Step.of("550 5.1.1 " + e.getMessage());
        }
        rcpts.add(new Rcpt(p.address(), r));
        state = State.RCPT;
        return RECIPIENT_OK;
    }

    private Step data(String arg) {
        if (!arg.isEmpty()) return Step.of("501 5.5.4 Syntax error: DATA takes no argument");
        if (state == State.MAIL) return Step.of("503 5.5.1 Bad sequence of commands: no valid recipients");
        if (state != State.RCPT) return Step.of("503 5.5.1 Bad sequence of commands: MAIL and RCPT first");
        state = State.DATA;
        return START_DATA;
    }

    /** The command word of {@code line} (its first {@code end} characters) in upper case; a known one without a copy. */
    private static String verb(String line, int end) {
        if (end == 4) {
            for (String v : VERBS) if (line.regionMatches(true, 0, v, 0, 4)) return v;
        }
        return line.substring(0, end).toUpperCase(Locale.ROOT);
    }

    /** {@code <address> [params…]}; null when the brackets are missing. */
    private record Path(String address, List<String> params) {}

    private static Path path(String s) {
        if (!s.startsWith("<")) return null;
        int close = s.indexOf('>');
        if (close < 0) return null;
        String address = s.substring(1, close);
        if (address.indexOf('<') >= 0 || address.indexOf(' ') >= 0) return null;
        int colon = address.indexOf(':'); // an RFC 5321 source route (@a,@b:user@c): only the mailbox counts
        if (address.startsWith("@") && colon > 0) address = address.substring(colon + 1);
        String rest = s.substring(close + 1).strip();
        List<String> params = rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
        return new Path(address, params);
    }
}
