package org.dynalens.cli;

import org.dynalens.archive.ArchiveException;
import org.dynalens.indexer.QueryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The {@code dynalens} command line. Bad input of any kind ends with one line on stderr and exit code 2; a stack
 * trace only appears for genuine bugs (exit 1).
 */
// INHERIT gives every subcommand -h/--help (the parameter-error hint points at it) and -V/--version.
@Command(name = "dynalens", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "dynalens 0.1.0",
        description = "Train small transformers, keep every checkpoint, search and compare circuits.",
        subcommands = {TrainCommand.class, ServeCommand.class, SearchCommand.class, ReindexCommand.class,
                InspectCommand.class, DemoCommand.class, AnalyzeCommand.class, ReportCommand.class, SweepCommand.class,
                SweepReportCommand.class, WorkerCommand.class, TrajectoryCommand.class, TicketCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this directly). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (isUserError(e)) {
                commandLine.getErr().println("error: " + oneLine(e.getMessage()));
                return BAD_INPUT;
            }
            throw e;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("error: " + oneLine(e.getMessage()));
            e.getCommandLine().getErr().println("see: dynalens " + e.getCommandLine().getCommandName() + " --help");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }

    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof ArchiveException || e instanceof QueryException
                || e instanceof IllegalStateException;
    }

    static String oneLine(String s) {
        return s == null ? "unknown error" : s.replaceAll("\\s+", " ").trim();
    }
}
