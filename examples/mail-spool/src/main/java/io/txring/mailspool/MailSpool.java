package io.txring.mailspool;

import io.txring.mailspool.bench.BenchCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mailspool}: the command line. Exit codes are sysexits, as MTAs expect of a delivery agent. */
@Command(name = "mailspool", mixinStandardHelpOptions = true, version = "txring mailspool 0.1.0",
        description = "Maildir delivery through txring transactions: every recipient gets a message or none does.",
        subcommands = {DeliverCommand.class, LmtpCommand.class, FsckCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class MailSpool implements Runnable {
    final InputStream in;
    final PrintStream out;
    final PrintStream err;

    MailSpool(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public InputStream in() { return in; }

    public PrintStream out() { return out; }

    public PrintStream err() { return err; }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a subcommand is needed: deliver, lmtp, fsck or bench");
    }

    public static void main(String[] args) {
        System.exit(run(System.in, System.out, System.err, args));
    }

    /** Runs one command line with these streams; returns its exit code. */
    public static int run(InputStream in, PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new MailSpool(in, out, err));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, rest) -> { // sysexits' USAGE, not picocli's 2
            err.println("mailspool: " + e.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) e.getCommandLine().usage(err);
            return SysExits.USAGE;
        });
        cl.registerConverter(java.time.Duration.class, Units::duration);
        cl.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins: ./txring demo --messages 500
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof IllegalArgumentException) { // an option combination the command refuses
                err.println("mailspool: " + e.getMessage());
                return SysExits.USAGE;
            }
            err.println("mailspool: " + e);
            return SysExits.SOFTWARE;
        });
        return cl.execute(args);
    }
}
