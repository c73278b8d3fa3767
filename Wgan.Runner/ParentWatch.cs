namespace Wgan.Runner;

/// <summary>
/// Ends a worker process of a <c>--jobs</c> run when its parent ends. The parent keeps the write end of the worker's
/// standard input open and never writes to it; when the parent ends, however it ends (even by SIGKILL), the
/// operating system closes that end and the worker reads end-of-file. .NET offers no parent-death signal, so a
/// pipe is the portable watchdog.
/// </summary>
public static class ParentWatch
{
    /// <summary>
    /// Exit code of a worker whose parent has gone (nobody reads it; the parent's code is the run's).
    /// </summary>
    public const int ParentGone = 75;

    /// <summary>Starts a background thread that exits this process when standard input reaches its end.</summary>
    public static void ExitWhenParentEnds()
    {
        var watch = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[64];
            try
            {
                while (input.Read(buffer, 0, buffer.Length) > 0) { }
            }
            catch (IOException) { }
            Environment.Exit(ParentGone);
        })
        { IsBackground = true, Name = "parent watch" };
        watch.Start();
    }
}
