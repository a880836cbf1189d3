/**
 * The mail-spool example: a Maildir delivery agent ({@code mailspool deliver}), an LMTP
 * server ({@code mailspool lmtp}), a checker ({@code mailspool fsck}) and a load driver
 * ({@code mailspool bench}), each message delivered to all its recipients in one txring
 * transaction.
 */
module io.txring.mailspool {
    requires io.txring.txn;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.handler;
    requires io.netty.codec;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;

    exports io.txring.mailspool;
    exports io.txring.mailspool.lmtp;
    exports io.txring.mailspool.bench;
    opens io.txring.mailspool to info.picocli;
    opens io.txring.mailspool.bench to info.picocli, com.fasterxml.jackson.databind;
}
