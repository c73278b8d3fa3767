using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Progress of a whole <c>run</c>: units done across every experiment, the unit in progress, the time elapsed and an
/// estimate of the time left for the whole run (from the work done in this process: finished units and the fractions
/// that units in progress report, each counted from the first fraction this process heard of it, so units and
/// training resumed from checkpoints do not make the estimate optimistic; a resumed run pools this with the time its
/// earlier sittings took for the units they finished; with neither, the estimate is unknown). On a terminal it is a
/// live display (Spectre.Console: one bar for the run, one per experiment); when standard error is redirected (CI,
/// Slurm logs, a file) it prints plain lines.
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
    // Units in progress: the fraction each reported last, and the first this process heard.
    readonly Dictionary<string, double> running = [];
    readonly Dictionary<string, double> firstHeard = [];
    // Units finished by earlier sittings of a resumed run, and the wall time they took at this run's parallelism.
    readonly double earlierUnits;
    readonly double earlierSeconds;
    int computed;
    TimeSpan lastPrinted = TimeSpan.FromSeconds(-10);

    /// <summary>Starts the progress of a run of <paramref name="experiments"/> (id and unit count each), of which
    /// <paramref name="alreadyDone"/> units are already finished (checkpoints of an interrupted run), of which
    /// <paramref name="earlierUnits"/> took <paramref name="earlierSeconds"/> of wall time at this run's parallelism
    /// (their recorded seconds over the number of workers), pooled with this process's rate in the time left.</summary>
    public RunProgress(IReadOnlyList<(string Id, int Units)> experiments, IReadOnlyList<int> alreadyDone, TextWriter stderr,
        double earlierUnits = 0, double earlierSeconds = 0)
    {
        this.stderr = stderr;
        this.earlierUnits = earlierUnits;
        this.earlierSeconds = earlierSeconds;
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
            running.Clear();
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
    string Summary(TimeSpan now, int all) =>
        // Work done by this process, in units: finished units and what running units did since first heard of.
        Summary(now, total, all, running.Values.Sum(), computed + running.Sum(r => Math.Max(0, r.Value - firstHeard[r.Key])),
            earlierUnits, earlierSeconds);

    /// <summary>The totals of a run of <paramref name="total"/> units as one phrase: <paramref name="done"/> finished,
    /// <paramref name="inProgress"/> units' worth done by the units still running, and the time left at the rate of
    /// <paramref name="computedHere"/> units' worth of work in <paramref name="elapsed"/>, pooled with
    /// <paramref name="earlierUnits"/> units finished in <paramref name="earlierSeconds"/> by earlier sittings ("unknown"
    /// before any work is measured).</summary>
    public static string Summary(TimeSpan elapsed, int total, int done, double inProgress, double computedHere,
        double earlierUnits = 0, double earlierSeconds = 0)
    {
        var measured = computedHere + earlierUnits;
        var left = done >= total ? "0 s"
            : measured > 0.001 ? Duration(TimeSpan.FromSeconds((elapsed.TotalSeconds + earlierSeconds) / measured * Math.Max(0, total - done - inProgress)))
            : "unknown";
        var percent = total == 0 ? 100 : 100.0 * Math.Min(total, done + inProgress) / total;
        return $"run {done}/{total} units ({percent.ToString("F0", CultureInfo.InvariantCulture)}%), {Duration(elapsed)} elapsed, ~{left} left";
    }

    /// <summary>Replaces the units in progress and the fraction of each done (keys name units uniquely).</summary>
    void SetRunning(IEnumerable<(string Unit, double Fraction)> units)
    {
        running.Clear();
        foreach (var (unit, fraction) in units)
        {
            var f = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
            running[unit] = f;
            firstHeard.TryAdd(unit, f);
        }
    }

    /// <summary>The unit <paramref name="unitKey"/> of experiment <paramref name="experiment"/>, which this process is
    /// running, has done <paramref name="fraction"/> of its work (in-process runs: one unit at a time).</summary>
    public void ReportRunning(int experiment, string unitKey, double fraction)
    {
        lock (gate)
        {
            var unit = $"{experiments[experiment].Id}/{unitKey}";
            SetRunning([(unit, fraction)]);
            if (live is not null)
            {
                liveTotal!.Value = done.Sum() + running.Values.Sum();
                return;
            }
            var now = clock.Elapsed;
            if (now - lastPrinted < TimeSpan.FromSeconds(10)) return;
            lastPrinted = now;
            stderr.WriteLine($"[run] {unit} {(100 * running[unit]).ToString("F0", CultureInfo.InvariantCulture)}%; {Summary(now, done.Sum())}");
        }
    }

    /// <summary>A plain progress line of the whole run now (used while waiting for worker processes): the units done
    /// per experiment and the units in progress with the fraction of each done (keys name units uniquely).</summary>
    public void ReportRun(int[] unitsDone, IReadOnlyList<(string Unit, double Fraction)> inProgress)
    {
        lock (gate)
        {
            var before = done.Sum();
            Array.Copy(unitsDone, done, done.Length);
            computed += Math.Max(0, done.Sum() - before);
            SetRunning(inProgress);
            if (live is not null)
            {
                for (var i = 0; i < done.Length; i++) liveTasks[i].Value = done[i];
                liveTotal!.Value = done.Sum() + running.Values.Sum();
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
