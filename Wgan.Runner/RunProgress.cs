using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Progress of a whole <c>run</c>: units done across every experiment, the unit in progress, the time elapsed and an
/// estimate of the time left for the whole run. When every experiment with units left has a previous publication's
/// time per unit (see <see cref="PublishedCost"/>), the estimate is those times over the units left, scaled by how
/// fast this run goes against them (see <see cref="SecondsLeft"/>), so it is about right from the start. Otherwise it
/// comes from the work done in this process: finished units and the fractions that units in progress report, each
/// counted from the first fraction this process heard of it, so units and training resumed from checkpoints do not
/// make the estimate optimistic; a resumed run pools this with the time its earlier sittings took for the units they
/// finished; with neither, the estimate is unknown. On a terminal it is a live display (Spectre.Console: one bar for
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
    // Units in progress: the experiment and the fraction each reported last, and the first fraction this process heard.
    readonly Dictionary<string, (int Experiment, double Fraction)> running = [];
    readonly Dictionary<string, double> firstHeard = [];
    // Units finished by earlier sittings of a resumed run, and the wall time they took at this run's parallelism.
    readonly double earlierUnits;
    readonly double earlierSeconds;
    // Per experiment: the previous publication's wall seconds per unit at this run's parallelism (0: none), and the
    // units finished by this process.
    readonly double[] priorSeconds;
    readonly double[] computed;
    // The time left as the live display's run row shows it (set under the gate, read by the display's thread).
    volatile string liveLeft = "";
    TimeSpan lastPrinted = TimeSpan.FromSeconds(-10);

    /// <summary>Starts the progress of a run of <paramref name="experiments"/> (id and unit count each), of which
    /// <paramref name="alreadyDone"/> units are already finished (checkpoints of an interrupted run), of which
    /// <paramref name="earlierUnits"/> took <paramref name="earlierSeconds"/> of wall time at this run's parallelism
    /// (their recorded seconds over the number of workers), pooled with this process's rate in the time left.
    /// <paramref name="priorSeconds"/>: per experiment, the previous publication's wall seconds per unit at this run's
    /// parallelism, or 0 when there is none.</summary>
    public RunProgress(IReadOnlyList<(string Id, int Units)> experiments, IReadOnlyList<int> alreadyDone,
        TextWriter stderr, double earlierUnits = 0, double earlierSeconds = 0,
        IReadOnlyList<double>? priorSeconds = null)
    {
        this.stderr = stderr;
        this.earlierUnits = earlierUnits;
        this.earlierSeconds = earlierSeconds;
        this.experiments = [.. experiments];
        done = [.. alreadyDone];
        total = this.experiments.Sum(e => e.Units);
        this.priorSeconds = priorSeconds is null ? new double[this.experiments.Length]
            : [.. priorSeconds.Select(p => double.IsFinite(p) && p > 0 ? p : 0)];
        computed = new double[this.experiments.Length];
        var atStart = Shares();
        var expected = FromPublication(atStart) ? SecondsLeft(TimeSpan.Zero, atStart) : null;
        liveLeft = expected is { } e0 ? $"~{Left(e0)}" : "";
        if (IsTerminal(stderr))
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            var ready = new ManualResetEventSlim(false);
            ProgressContext? context = null;
            liveThread = new Thread(() => console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(),
                    new TimeLeftColumn(task => ReferenceEquals(task, liveTotal) ? liveLeft : ""))
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
            var basis = expected is { } e1 ? $"; ~{Left(e1)} at the previous publication's time per unit" : "";
            var size = $"{this.experiments.Length} experiment(s), {total} units, {done.Sum()} already done";
            stderr.WriteLine($"[run] {size}{basis}");
        }
    }

    /// <summary>Whether <paramref name="writer"/> is this process's standard error attached to a terminal.</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected
        && System.Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    /// <summary>The units done of the whole run.</summary>
    public int Done { get { lock (gate) return done.Sum(); } }

    /// <summary>Records that experiment <paramref name="experiment"/> has <paramref name="unitsDone"/> units done, the
    /// last being <paramref name="message"/>; <paramref name="computedHere"/> units were computed by this process (not
    /// reused).</summary>
    public void Report(int experiment, int unitsDone, string message, int computedHere)
    {
        lock (gate)
        {
            done[experiment] = unitsDone;
            computed[experiment] += computedHere;
            running.Clear();
            var now = clock.Elapsed;
            if (live is not null)
            {
                liveTasks[experiment].Value = unitsDone;
                liveTasks[experiment].Description =
                    $"{Markup.Escape(experiments[experiment].Id)} [grey]{Markup.Escape(Shorten(message))}[/]";
                liveTotal!.Value = done.Sum();
                liveLeft = LiveLeft(now);
                return;
            }
            if (done.Sum() < total && now - lastPrinted < TimeSpan.FromSeconds(1)) return;
            lastPrinted = now;
            var (id, units) = experiments[experiment];
            stderr.WriteLine($"[{id}] {unitsDone}/{units} {message}; {Summary(now)}");
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

    /// <summary>Each experiment's share of the run now: its units, those done and in progress, the work done by
    /// this process (finished units and what running units did since first heard of) and its published time per
    /// unit.</summary>
    Share[] Shares() =>
        [.. experiments.Select((e, i) =>
        {
            var mine = running.Where(r => r.Value.Experiment == i).ToArray();
            return new Share(e.Units, done[i], mine.Sum(r => r.Value.Fraction),
                computed[i] + mine.Sum(r => Math.Max(0, r.Value.Fraction - firstHeard[r.Key])), priorSeconds[i]);
        })];

    /// <summary>The run's totals as one phrase: units done, elapsed, estimated time left.</summary>
    string Summary(TimeSpan now) => Summary(now, Shares(), earlierUnits, earlierSeconds);

    /// <summary>The time left as the live display shows it.</summary>
    string LiveLeft(TimeSpan now) =>
        done.Sum() >= total ? ""
        : SecondsLeft(now, Shares(), earlierUnits, earlierSeconds) is { } s ? $"~{Left(s)}"
        : "";

    /// <summary>One experiment's share of a run, for the estimate of the time left: its <paramref name="Units"/>, of
    /// which <paramref name="Done"/> are finished and <paramref name="InProgress"/> units' worth is done by the units
    /// still running; <paramref name="ComputedHere"/> units' worth of that work was done by this process; and
    /// <paramref name="PriorSeconds"/>, the previous publication's wall seconds per unit at this run's parallelism
    /// (0 when there is none).</summary>
    public readonly record struct Share(
        int Units, int Done, double InProgress, double ComputedHere, double PriorSeconds = 0);

    /// <summary>How many seconds of expected work the published times count for against this run's measurement:
    /// until this process has done about that much, the estimate leans on the publication; after, on the
    /// measurement.</summary>
    public const double PriorWeightSeconds = 60;

    /// <summary>Whether the estimate starts from the previous publication: every experiment with units left has a
    /// published time per unit.</summary>
    public static bool FromPublication(IReadOnlyList<Share> shares) =>
        shares.Any(s => UnitsLeft(s) > 0) && shares.Where(s => UnitsLeft(s) > 0).All(s => s.PriorSeconds > 0);

    static double UnitsLeft(Share s) => Math.Max(0, s.Units - s.Done - s.InProgress);

    /// <summary>
    /// Seconds left, or null while unknown. From the publication (<see cref="FromPublication"/>): the published seconds
    /// of the units left, times (<paramref name="elapsed"/> + w) / (published seconds of the work done here + w), the
    /// pace of this run against the publication's, with w = <see cref="PriorWeightSeconds"/> so that the first
    /// seconds' noise does not swing it. Otherwise: the units left at the rate of the work done here in
    /// <paramref name="elapsed"/>, pooled with <paramref name="earlierUnits"/> units that earlier sittings finished in
    /// <paramref name="earlierSeconds"/>.
    /// </summary>
    public static double? SecondsLeft(TimeSpan elapsed, IReadOnlyList<Share> shares,
        double earlierUnits = 0, double earlierSeconds = 0)
    {
        if (shares.Sum(s => s.Done) >= shares.Sum(s => s.Units)) return 0;
        if (FromPublication(shares))
        {
            var expected = shares.Sum(s => s.PriorSeconds * UnitsLeft(s));
            var expectedHere = shares.Sum(s => s.PriorSeconds * s.ComputedHere);
            return expected * (elapsed.TotalSeconds + PriorWeightSeconds) / (expectedHere + PriorWeightSeconds);
        }
        var measured = shares.Sum(s => s.ComputedHere) + earlierUnits;
        var left = Math.Max(0, shares.Sum(s => s.Units) - shares.Sum(s => s.Done) - shares.Sum(s => s.InProgress));
        return measured > 0.001 ? (elapsed.TotalSeconds + earlierSeconds) / measured * left : null;
    }

    /// <summary>The totals of a run as one phrase: units finished of all, the share done (units in progress counted by
    /// their fraction), elapsed, and the time left (<see cref="SecondsLeft"/>; "unknown" before any work is
    /// measured).</summary>
    public static string Summary(TimeSpan elapsed, IReadOnlyList<Share> shares,
        double earlierUnits = 0, double earlierSeconds = 0)
    {
        var total = shares.Sum(s => s.Units);
        var done = shares.Sum(s => s.Done);
        var inProgress = shares.Sum(s => s.InProgress);
        var left = done >= total ? "0 s"
            : SecondsLeft(elapsed, shares, earlierUnits, earlierSeconds) is { } s ? Left(s)
            : "unknown";
        var percent = total == 0 ? 100 : 100.0 * Math.Min(total, done + inProgress) / total;
        var shown = percent.ToString("F0", CultureInfo.InvariantCulture);
        return $"run {done}/{total} units ({shown}%), {Duration(elapsed)} elapsed, ~{left} left";
    }

    /// <summary>The totals of a run of <paramref name="total"/> units with no published times (see the other
    /// overload): <paramref name="done"/> finished, <paramref name="inProgress"/> units' worth done by the units still
    /// running, <paramref name="computedHere"/> units' worth of work done in <paramref name="elapsed"/>.</summary>
    public static string Summary(TimeSpan elapsed, int total, int done, double inProgress, double computedHere,
        double earlierUnits = 0, double earlierSeconds = 0) =>
        Summary(elapsed, [new Share(total, done, inProgress, computedHere)], earlierUnits, earlierSeconds);

    /// <summary>A time left as <see cref="Duration"/> writes it, bounded (an estimate from a tampered record may be
    /// absurd, never a crash).</summary>
    static string Left(double seconds) =>
        seconds < 1e9 ? Duration(TimeSpan.FromSeconds(Math.Max(0, seconds))) : "more than 30 years";

    /// <summary>Replaces the units in progress and the fraction of each done (keys name units uniquely, as
    /// "experiment/unit").</summary>
    void SetRunning(IEnumerable<(string Unit, double Fraction)> units)
    {
        running.Clear();
        foreach (var (unit, fraction) in units)
        {
            var f = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
            var experiment = Array.FindIndex(experiments, e => unit.StartsWith(e.Id + "/", StringComparison.Ordinal));
            running[unit] = (Math.Max(0, experiment), f);
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
            var now = clock.Elapsed;
            if (live is not null)
            {
                liveTotal!.Value = done.Sum() + running.Values.Sum(r => r.Fraction);
                liveLeft = LiveLeft(now);
                return;
            }
            if (now - lastPrinted < TimeSpan.FromSeconds(10)) return;
            lastPrinted = now;
            var percent = (100 * running[unit].Fraction).ToString("F0", CultureInfo.InvariantCulture);
            stderr.WriteLine($"[run] {unit} {percent}%; {Summary(now)}");
        }
    }

    /// <summary>A plain progress line of the whole run now (used while waiting for worker processes): the units done
    /// per experiment and the units in progress with the fraction of each done (keys name units uniquely).</summary>
    public void ReportRun(int[] unitsDone, IReadOnlyList<(string Unit, double Fraction)> inProgress)
    {
        lock (gate)
        {
            for (var i = 0; i < done.Length; i++)
            {
                computed[i] += Math.Max(0, unitsDone[i] - done[i]);
                done[i] = unitsDone[i];
            }
            SetRunning(inProgress);
            var now = clock.Elapsed;
            if (live is not null)
            {
                for (var i = 0; i < done.Length; i++) liveTasks[i].Value = done[i];
                liveTotal!.Value = done.Sum() + running.Values.Sum(r => r.Fraction);
                liveLeft = LiveLeft(now);
                return;
            }
            if (now - lastPrinted < TimeSpan.FromSeconds(10)) return;
            lastPrinted = now;
            stderr.WriteLine($"[run] {Summary(now)}");
        }
    }

    static string Shorten(string s) => s.Length <= 48 ? s : s[..47] + "…";

    /// <summary>The live display's column of the time left: this class's estimate, not the display's own (which
    /// extrapolates each bar's recent speed, far off while the first, slow units run).</summary>
    sealed class TimeLeftColumn(Func<ProgressTask, string> text) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(text(task), new Style(Color.Blue));
    }

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
