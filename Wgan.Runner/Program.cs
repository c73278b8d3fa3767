using Argu;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>The command-line entry point: parses with the F# grammar, dispatches, maps errors to exit codes.</summary>
public static class Program
{
    /// <summary>
    /// Exit code of a completed command (a claim that did not reproduce is a finding, not a failure).
    /// </summary>
    public const int Done = 0;
    /// <summary>Exit code of an unexpected internal error (EX_SOFTWARE), distinct from verify's mismatch (1).</summary>
    public const int InternalError = 70;
    /// <summary>Exit code of bad usage or bad input (manifest, data file, path, device, a damaged record).</summary>
    public const int BadInput = 2;
    /// <summary>
    /// Exit code of a failed file operation (EX_IOERR): a full disk, a quota, a read-only file system.
    /// </summary>
    public const int OutputFailed = 74;
    /// <summary>
    /// Exit code of a <c>--jobs</c> run whose worker process failed or was killed (EX_TEMPFAIL): rerun with --resume.
    /// </summary>
    public const int WorkerFailed = 75;

    /// <summary>Runs the program with the process's console.</summary>
    public static int Main(string[] args)
    {
        NativeHeap.KeepFreedMemory();
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>
    /// Runs one command, writing results to <paramref name="stdout"/> and diagnostics and progress to
    /// <paramref name="stderr"/>.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        Command command;
        try
        {
            command = Cli.Parse(args);
        }
        catch (ArguParseException e) when (e.ErrorCode == ErrorCode.HelpText)
        {
            stdout.WriteLine(e.Message);
            return Done;
        }
        catch (ArguParseException e)
        {
            stderr.WriteLine(Printable(e.Message));
            return BadInput;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {Printable(e.Message)}");
            return BadInput;
        }

        try
        {
            return command switch
            {
                ListCommand => ListExperiments.Execute(stdout),
                RunCommand run => RunExperiments.Execute(run, args, stdout, stderr),
                DistanceCommand distance => Distance.Execute(distance, stdout),
                MergeCommand merge => Merge.Execute(merge, args, stdout, stderr),
                VerifyCommand verify => Verify.Execute(verify, stdout, stderr),
                IndexCommand index => IndexResults.Execute(index, stdout),
                RejudgeCommand rejudge => RejudgeResults.Execute(rejudge, stdout, stderr),
                BenchCommand bench => Bench.Execute(bench, args, stdout, stderr),
                MnistCommand mnist => MnistCommandRunner.Execute(mnist, stdout, stderr),
                _ => throw new InvalidOperationException($"unhandled command {command.GetType().Name}"),
            };
        }
        catch (Exception e)
        {
            return ExitCodeOf(e, stderr);
        }
    }

    /// <summary>
    /// The exit code of a command that threw <paramref name="e"/>, after writing its message to
    /// <paramref name="stderr"/>: bad input (2) and failed file operations (74) get one line naming the problem,
    /// anything else is a bug (70) and gets the stack trace.
    /// </summary>
    public static int ExitCodeOf(Exception e, TextWriter stderr)
    {
        switch (e)
        {
            case InputException or DataException:
                stderr.WriteLine($"error: {Printable(e.Message)}");
                return BadInput;
            case IOException io when e is not FileNotFoundException and not DirectoryNotFoundException:
                // The message names the path (.NET's "No space left on device : '<path>'"); results already published
                // stay as they were, since every file and folder is written beside its target and renamed into place.
                const string diskFull =
                    " (the disk is full: free some space, then rerun; a run continues with --resume)";
                stderr.WriteLine($"error: {Printable(e.Message)}{(IsDiskFull(io) ? diskFull : "")}");
                return OutputFailed;
            case UnauthorizedAccessException:
                // A write the file system refused (EACCES, EPERM: a folder made read-only, an immutable file). .NET's
                // message names the path ("Access to the path '<path>' is denied.").
                stderr.WriteLine($"error: {Printable(e.Message)} (the folder or file is not writable: make it " +
                    "writable, then rerun; a run continues with --resume)");
                return OutputFailed;
            default:
                stderr.WriteLine($"internal error: {e}");
                return InternalError;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every control character but the line feed (NUL, ESC, the other C0 and C1 controls,
    /// DEL) and every bidirectional override or isolate written as a <c>\uXXXX</c> escape, so that a value quoted from
    /// a user's file (a CSV cell, a path) cannot reach the terminal as raw bytes.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(Escaped)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
            if (Escaped(c)) sb.Append($"\\u{(int)c:X4}");
            else sb.Append(c);
        return sb.ToString();
    }

    static bool Escaped(char c) => c != '\n' && JsonChecks.forbiddenCharacter(c);

    /// <summary>
    /// Whether <paramref name="e"/> is ENOSPC or EDQUOT (Linux errno 28 and 122, which .NET keeps as the HResult).
    /// </summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is 28 or 122
        || e.Message.Contains("No space left", StringComparison.Ordinal)
        || e.Message.Contains("disk was full", StringComparison.Ordinal);
}

/// <summary>Bad input the user can fix: the message names the problem (file, JSON path, line, value).</summary>
public sealed class InputException(string message) : Exception(message);
