package io.txring.mailspool;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recipient rules (no path escape) and Maildir names. */
class NamesTest {
    @Test
    void recipients() throws Exception {
        assertEquals("alice", Recipient.parse("Alice@Example.ORG").mailbox());
        assertEquals("first.last+tag", Recipient.parse("first.last+tag").mailbox());
        for (String bad : List.of("", "@example.org", "a@", ".a", "a.", "a..b", "../x", "a/b", "/abs", "a\u0000b", "a b",
                "a\nb", "\"quoted\"", "\u00e9t\u00e9", "x".repeat(65), ".", "..", ".txring")) {
            assertThrows(InvalidRecipientException.class, () -> Recipient.parse(bad), bad);
        }
        assertEquals(64, Recipient.parse("y".repeat(64)).mailbox().length());
        assertThrows(IllegalArgumentException.class, () -> new Recipient("../x"));
    }

    @Test
    void maildirNames() {
        MaildirName n = MaildirName.next().withFile((8L << 32) | 1, 0xabcL);
        String name = n.withSize(1234);
        assertTrue(name.matches("\\d+\\.M\\d+P\\d+V801Iabc" + "Q\\d+\\..+,S=1234"), name);
        assertEquals(1234, MaildirName.sizeOf(name).orElseThrow());
        assertEquals(1234, MaildirName.sizeOf(name + ":2,S").orElseThrow(), "flags after ':' do not matter");
        assertTrue(MaildirName.sizeOf("1.M1P1.host").isEmpty());
        assertEquals("a\\057b\\072c", MaildirName.escapeHost("a/b:c"));
        assertNotEquals(MaildirName.next().counter(), MaildirName.next().counter());
        assertEquals(0xfe00, MaildirName.encodeDev((254L << 32) | 0), "major 254 minor 0 as stat shows it");
    }

    @Test
    void units() {
        assertEquals(50L << 20, Units.bytes("50M"));
        assertEquals(4096, Units.bytes("4KiB"));
        assertEquals(123, Units.bytes("123"));
        assertEquals(Duration.ofMinutes(5), Units.duration("5m"));
        assertEquals(Duration.ofMillis(500), Units.duration("500ms"));
        assertEquals(Duration.ofSeconds(30), Units.duration("PT30S"));
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("lots"));
    }
}
