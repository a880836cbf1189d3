package io.txring.mailspool;

/** An address that names no mailbox we can deliver to safely; says which rule it breaks. */
public final class InvalidRecipientException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String address;

    public InvalidRecipientException(String address, String reason) {
        super("recipient " + Recipient.printable(address) + ": " + reason);
        this.address = address;
    }

    public String address() { return address; }
}
