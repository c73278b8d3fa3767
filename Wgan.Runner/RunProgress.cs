using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Progress of a whole <c>run</c>: units done across every experiment, the unit in progress, the time elapsed and an
/// estimate of the time left for the whole run (from the units finished in this process, so units reused from
/// checkpoints do not make the estimate optimistic). On a terminal it is a live display (Spectre.Console: one bar for
/// the run, one per experiment); when standard error is redirected (CI, Slurm logs, a file) it prints plain lines.
/// </summary>
public sealed class RunProgress : IDisposable
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly TextWriter stderr;
    readonly (string Id, int Units)[] experiments;
    readonly int[] done;
    readonly object gate = new();
    readonly int total;
    readonly ProgressContext? live;
    readonly ProgressTask[] liveTasks = [];
    readonly ProgressTask? liveTotal;
    readonly Thread? liveThread;
    readonly ManualResetEventSlim finished = new(false);
    readonly List<string> heldLines = [];
    int computed;
    TimeSpan lastPrinted = TimeSpan.FromSeconds(-10);

    /// <summary>Starts the progress of a run of <paramref name="experiments"/> (id and unit count each), of which
    /// <paramref name="alreadyDone"/> units are already finished (checkpoints of an interrupted run).</summary>
    public RunProgress(IReadOnlyList<(string Id, int Units)> experiments, IReadOnlyList<int> alreadyDone, TextWriter stderr)
    {
        this.stderr = stderr;
        this.experiments = [.. experiments];
        done = [.. alreadyDone];
        total = this.experiments.Sum(e => e.Units);
        if (IsTerminal(stderr))
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            var ready = new ManualResetEventSlim(false);
            ProgressContext? context = null;
            liveThread = new Thread(() => console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    context = ctx;
                    ready.Set();
                    finished.Wait();
                    ctx.Refresh();
                })) { IsBackground = true, Name = "run progress" };
            liveThread.Start();
            ready.Wait();
            live = context;
            liveTotal = live!.AddTask("[bold]run[/]", maxValue: Math.Max(1, total));
            liveTotal.Value = done.Sum();
            liveTasks = this.experiments.Select((e, i) =>
            {
                var task = live.AddTask(Markup.Escape(e.Id), maxValue: Math.Max(1, e.Units));
                task.Value = done[i];
                return task;
            }).ToArray();
        }
        else
        {
            stderr.WriteLine($"[run] {this.experiments.Length} experiment(s), {total} units, {done.Sum()} already done");
        }
    }

    /// <summary>Whether <paramref name="writer"/> is this process's standard error attached to a terminal.</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected && System.Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    /// <summary>The units done of the whole run.</summary>
    public int Done { get { lock (gate) return done.Sum(); } }

    /// <summary>Records that experiment <paramref name="experiment"/> has <paramref name="unitsDone"/> units done, the last being
    /// <paramref name="message"/>; <paramref name="computedHere"/> units were computed by this process (not reused).</summary>
    public void Report(int experiment, int unitsDone, string message, int computedHere)
    {
        lock (gate)
        {
            done[experiment] = unitsDone;
            computed += computedHere;
            if (live is not null)
            {
                liveTasks[experiment].Value = unitsDone;
                liveTasks[experiment].Description = $"{Markup.Escape(experiments[experiment].Id)} [grey]{Markup.Escape(Shorten(message))}[/]";
                liveTotal!.Value = done.Sum();
                return;
            }
            var now = clock.Elapsed;
            var all = done.Sum();
            if (all < total && now - lastPrinted < TimeSpan.FromSeconds(1)) return;
            lastPrinted = now;
            stderr.WriteLine($"[{experiments[experiment].Id}] {unitsDone}/{experiments[experiment].Units} {message}; {Summary(now, all)}");
        }
    }

    /// <summary>A line for standard error: printed at once when the output is plain, held until the live display ends
    /// otherwise (so that worker messages are not lost).</summary>
    public void WriteLine(string line)
    {
        lock (gate)
        {
            if (live is null) stderr.WriteLine(line);
            else heldLines.Add(line);
        }
    }

    /// <summary>The run's totals as one phrase: units done, elapsed, estimated time left.</summary>
    string Summary(TimeSpan now, int all)
    {
        var left = computed > 0 && all < total ? Duration(TimeSpan.FromSeconds(now.TotalSeconds / computed * (total - all))) : all >= total ? "0 s" : "unknown";
        return $"run {all}/{total} units ({(total == 0 ? 100 : 100.0 * all / total).ToString("F0", CultureInfo.InvariantCulture)}%), {Duration(now)} elapsed, ~{left} left";
    }

    /// <summary>A plain progress line of the whole run now (used while waiting for worker processes).</summary>
    public void ReportRun(int[] unitsDone)
    {
        lock (gate)
        {
            var before = done.Sum();
            Array.Copy(unitsDone, done, done.Length);
            computed += Math.Max(0, done.Sum() - before);
            if (live is not null)
            {
                for (var i = 0; i < done.Length; i++) liveTasks[i].Value = done[i];
                liveTotal!.Value = done.Sum();
                return;
            }
            var now = clock.Elapsed;
            if (now - lastPrinted < TimeSpan.FromSeconds(10)) return;
            lastPrinted = now;
            stderr.WriteLine($"[run] {Summary(now, done.Sum())}");
        }
    }

    static string Shorten(string s) => s.Length <= 48 ? s : s[..47] + "…";

    /// <summary>"42 s", "3 min 5 s", "1 h 2 min".</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalSeconds < 60 ? $"{t.TotalSeconds:F0} s"
        : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";

    /// <summary>Ends the live display and prints the lines held back during it.</summary>
    public void Dispose()
    {
        if (live is not null)
        {
            finished.Set();
            liveThread!.Join();
            foreach (var line in heldLines) stderr.WriteLine(line);
            heldLines.Clear();
        }
    }
}
