using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// The <c>bench</c> command: times each configuration's generator iterations, converts them to GFLOP/s with the
/// analytic FLOP counts of <see cref="Benchmarks"/>, and compares them with this machine's measured fp32
/// matrix-multiply peak at the same thread count. Writes a Markdown table.
/// </summary>
public static class Bench
{
    /// <summary>
    /// Side of the square matrices whose product measures the peak (2048, as in the project's brief).
    /// </summary>
    public const int PeakSize = 2048;

    /// <summary>One timed run of a configuration, against the matmul peak measured just before its round.</summary>
    public sealed record Timing(double IterationsPerSecond, double Gflops, double PeakGflops, double PeakMemoryMiB,
        double MemoryGrowthMiB, double PageFaultsPerIteration)
    {
        /// <summary>The achieved GFLOP/s as a fraction of the peak.</summary>
        public double Ratio => Gflops / PeakGflops;
    }

    /// <summary>
    /// One configuration at one thread count over its runs: the medians of the rates, of the peaks and of the
    /// ratios (each ratio paired with its own round's peak), the range of the ratios, and the worst of the memory
    /// figures.
    /// </summary>
    public sealed record Row(string Configuration, int Threads, int Iterations, int Runs, double IterationsPerSecond,
        double GflopPerIteration, double Gflops, double PeakGflops, double Ratio, double RatioLow, double RatioHigh,
        double PeakMemoryMiB, double MemoryGrowthMiB, double PageFaultsPerIteration)
    {
        /// <summary>The row of <paramref name="timings"/> (at least one).</summary>
        public static Row Of(
            string configuration, int threads, int iterations, double gflopPerIteration, IReadOnlyList<Timing> timings)
        {
            double Median(Func<Timing, double> pick) => Statistics.median(timings.Select(pick).ToArray());
            return new(configuration, threads, iterations, timings.Count,
                Median(t => t.IterationsPerSecond), gflopPerIteration, Median(t => t.Gflops), Median(t => t.PeakGflops),
                Median(t => t.Ratio), timings.Min(t => t.Ratio), timings.Max(t => t.Ratio),
                timings.Max(t => t.PeakMemoryMiB), timings.Max(t => t.MemoryGrowthMiB),
                timings.Max(t => t.PageFaultsPerIteration));
        }

        /// <summary>The ratio's range as whole percentages, e.g. "69-77 %" (one value for a single run).</summary>
        public string RatioRange
        {
            get
            {
                static double Percent(double ratio) => Math.Round(ratio * 100, MidpointRounding.AwayFromZero);
                var (low, high) = (Percent(RatioLow), Percent(RatioHigh));
                return low == high ? $"{low:F0} %" : $"{low:F0}-{high:F0} %";
            }
        }
    }

    /// <summary>The memory run: resident memory sampled over many critic steps of one configuration.</summary>
    public sealed record MemoryRun(string Configuration, int Threads, int CriticSteps, double Seconds,
        double StartMiB, double HalfwayMiB, double EndMiB, double MaxMiB);

    /// <summary>Runs the benchmark.</summary>
    public static int Execute(BenchCommand bench, string[] args, TextWriter stdout, TextWriter stderr)
    {
        var known = string.Join(", ", Benchmarks.configurations.Select(c => c.Name));
        var unknown = bench.Only.Append(bench.MemorySteps > 0 ? bench.MemoryOf : null).OfType<string>()
            .Except(Benchmarks.configurations.Select(c => c.Name)).ToArray();
        if (unknown.Length > 0)
            throw new InputException($"unknown configuration(s) {string.Join(", ", unknown)} (known: {known})");
        // A published table is replaced only on request, and the refusal comes before minutes of measuring.
        if (File.Exists(bench.OutFile) && !bench.Force)
            throw new InputException(
                $"{bench.OutFile} already exists; use --force to replace it, or --out another file");
        if (Directory.Exists(bench.OutFile))
            throw new InputException($"--out {bench.OutFile}: is a folder, not a file");
        if (bench.Portable) PlatformProbe.EnterPortableMode();
        stderr.WriteLine($"[bench] platform: {Platform.describe(PlatformProbe.Current())}");
        var configurations = Benchmarks.configurations
            .Where(c => bench.Only.Length == 0 || bench.Only.Contains(c.Name))
            .ToArray();
        var rows = new List<Row>();
        stdout.WriteLine($"{"configuration",-19} {"threads",7} {"runs",4} {"gen it/s",9} {"GFLOP/it",9} " +
            $"{"GFLOP/s",8} {"peak",7} {"ratio",6} {"range",9} {"mem MiB",8} {"growth",7} {"faults/it",9}");
        foreach (var threads in bench.Threads)
        {
            Devices.PinThreads(threads);
            var timings = configurations.ToDictionary(c => c.Name, _ => new List<Timing>());
            for (var round = 1; round <= bench.Repeat; round++)
            {
                if (bench.Repeat > 1) stderr.WriteLine($"[bench] {threads} thread(s): round {round} of {bench.Repeat}");
                var peak = MatmulPeak(stderr);
                foreach (var configuration in configurations)
                {
                    var iterations = IterationsOf(bench, configuration);
                    timings[configuration.Name].Add(Measure(configuration, threads, peak, iterations, stderr));
                }
            }
            foreach (var configuration in configurations)
            {
                var row = Row.Of(configuration.Name, threads, IterationsOf(bench, configuration),
                    configuration.FlopsPerIteration / 1e9, timings[configuration.Name]);
                rows.Add(row);
                stdout.WriteLine(
                    $"{row.Configuration,-19} {row.Threads,7} {row.Runs,4} {row.IterationsPerSecond,9:F2} " +
                    $"{row.GflopPerIteration,9:F2} {row.Gflops,8:F1} {row.PeakGflops,7:F1} {row.Ratio,6:P0} " +
                    $"{row.RatioRange,9} {row.PeakMemoryMiB,8:F0} {row.MemoryGrowthMiB,7:F1} " +
                    $"{row.PageFaultsPerIteration,9:F0}");
            }
        }
        MemoryRun? memory = null;
        if (bench.MemorySteps > 0)
        {
            var configuration = Benchmarks.configurations.Single(c => c.Name == bench.MemoryOf);
            memory = MeasureMemory(configuration, bench.Threads[^1], bench.MemorySteps, stderr);
            stdout.WriteLine($"memory: {memory.Configuration}, {memory.CriticSteps} critic steps on {memory.Threads} " +
                $"thread(s) in {memory.Seconds:F0} s: resident {memory.StartMiB:F0} MiB after warm-up, " +
                $"{memory.HalfwayMiB:F0} halfway, {memory.EndMiB:F0} at the end (max {memory.MaxMiB:F0})");
        }
        AtomicOutput.WriteText(bench.OutFile, Markdown(rows, memory, "wgan " + string.Join(" ", args)));
        stdout.WriteLine($"written {bench.OutFile}");
        return Program.Done;
    }

    /// <summary>
    /// The best of several timed fp32 2048 x 2048 products (at least five, for about three seconds), in GFLOP/s.
    /// </summary>
    public static double MatmulPeak(TextWriter stderr)
    {
        using var scope = torch.NewDisposeScope();
        using var random = new torch.Generator(1);
        var a = torch.randn([PeakSize, PeakSize], generator: random);
        var b = torch.randn([PeakSize, PeakSize], generator: random);
        for (var i = 0; i < 3; i++) a.matmul(b).Dispose(); // warm-up: allocator, thread pool, clock frequency
        var best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < 40 && (i < 5 || total.Elapsed.TotalSeconds < 3); i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        var gflops = Benchmarks.matmulFlops(PeakSize) / best / 1e9;
        stderr.WriteLine(
            $"[bench] fp32 {PeakSize}^2 matmul peak on {torch.get_num_threads()} thread(s): {gflops:F1} GFLOP/s");
        return gflops;
    }

    static int IterationsOf(BenchCommand bench, Benchmarks.Configuration configuration) =>
        bench.Iterations > 0 ? bench.Iterations : configuration.Iterations;

    static Timing Measure(
        Benchmarks.Configuration configuration, int threads, double peak, int iterations, TextWriter stderr)
    {
        using var prepared = configuration.Prepare(1);
        for (var i = 0; i < 3; i++) prepared.Iterate(); // warm-up: allocator, optimiser state
        GC.Collect();
        var before = ResidentMiB();
        var faultsBefore = MinorPageFaults();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) prepared.Iterate();
        var seconds = clock.Elapsed.TotalSeconds;
        var faults = MinorPageFaults() - faultsBefore;
        var after = ResidentMiB();
        var rate = iterations / seconds;
        var gflops = rate * configuration.FlopsPerIteration / 1e9;
        stderr.WriteLine($"[bench] {configuration.Name}, {threads} thread(s): {iterations} iterations in " +
            $"{seconds:F1} s, {rate:F2} gen it/s, {gflops / peak:P0} of the peak");
        var peakMemory = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        return new Timing(rate, gflops, peak, peakMemory, after - before, faults / iterations);
    }

    /// <summary>
    /// Runs <paramref name="criticSteps"/> critic steps (rounded up to whole generator iterations) after the warm-up
    /// and samples the resident set twenty times: flat memory means the halfway and final samples agree.
    /// </summary>
    static MemoryRun MeasureMemory(
        Benchmarks.Configuration configuration, int threads, int criticSteps, TextWriter stderr)
    {
        Devices.PinThreads(threads);
        var iterations = (criticSteps + configuration.CriticSteps - 1) / configuration.CriticSteps;
        using var prepared = configuration.Prepare(1);
        for (var i = 0; i < 3; i++) prepared.Iterate();
        GC.Collect();
        var start = ResidentMiB();
        double halfway = start, max = start;
        var clock = Stopwatch.StartNew();
        var samples = 20;
        for (var i = 1; i <= iterations; i++)
        {
            prepared.Iterate();
            if (i * samples / iterations != (i - 1) * samples / iterations || i == iterations)
            {
                var now = ResidentMiB();
                max = Math.Max(max, now);
                if (i <= iterations / 2) halfway = now;
                stderr.WriteLine($"[bench] memory run {configuration.Name}: {i * configuration.CriticSteps}/" +
                    $"{iterations * configuration.CriticSteps} critic steps, resident {now:F0} MiB, " +
                    $"{clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        return new MemoryRun(configuration.Name, threads, iterations * configuration.CriticSteps,
            clock.Elapsed.TotalSeconds, start, halfway, ResidentMiB(), max);
    }

    /// <summary>
    /// The process's minor page faults so far (Linux: /proc/self/stat), NaN elsewhere. Memory that the allocator
    /// returns to the kernel and takes back every step shows here as thousands of faults per iteration.
    /// </summary>
    static double MinorPageFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // Fields after the parenthesised command name: state ppid pgrp session tty_nr tpgid flags minflt ...
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return double.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (Exception e)
            when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    static double ResidentMiB()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / 1048576.0;
    }

    static string Markdown(IReadOnlyList<Row> rows, MemoryRun? memory, string command)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# Benchmarks\n\n");
        var torchSharp = typeof(torch).Assembly.GetName().Version?.ToString(3);
        sb.Append($"Command: `{command}`. Machine: {RuntimeInformation.OSDescription}, ");
        sb.Append($"{Environment.ProcessorCount} logical CPUs, TorchSharp {torchSharp}. ");
        sb.Append($"Platform: {Platform.describe(PlatformProbe.Current())}. ");
        sb.Append("Each run times a configuration's generator iterations after 3 warm-up iterations. ");
        sb.Append("With several runs (`--repeat`), each round first measures the matmul peak and then runs every ");
        sb.Append("configuration once; ");
        sb.Append("a row gives the medians of the rate, of the peak and of the ratios (each ratio against its own ");
        sb.Append("round's peak), ");
        sb.Append("the range of the ratios, and the largest of the memory figures.\n\n");
        sb.Append("GFLOP per iteration is counted analytically from the mathematics (see `Benchmarks.wganFlops`); ");
        sb.Append($"the peak is the best of at least five fp32 {PeakSize}x{PeakSize} matrix products ");
        sb.Append("(about three seconds of them) at the same thread count. ");
        sb.Append("Memory: the process's peak resident set, the growth of the resident set over the timed ");
        sb.Append("iterations, and the minor page faults per timed iteration.\n\n");
        sb.Append("| configuration | threads | iterations | runs | gen it/s | GFLOP/it | GFLOP/s ");
        sb.Append("| matmul peak GFLOP/s | ratio | ratio range | peak memory MiB | growth MiB | page faults/it |\n");
        sb.Append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            sb.Append(string.Format(inv,
                "| {0} | {1} | {2} | {3} | {4:F2} | {5:F2} | {6:F1} | {7:F1} | {8:P0} | {9} " +
                "| {10:F0} | {11:F1} | {12:F0} |\n",
                r.Configuration, r.Threads, r.Iterations, r.Runs, r.IterationsPerSecond, r.GflopPerIteration, r.Gflops,
                r.PeakGflops, r.Ratio, r.RatioRange, r.PeakMemoryMiB, r.MemoryGrowthMiB, r.PageFaultsPerIteration));
        if (memory is not null)
        {
            sb.Append("\n## Memory over a long run\n\n");
            sb.Append(string.Format(inv,
                "{0}, {1} critic steps on {2} thread(s) in {3:F0} s; resident set sampled twenty times.\n\n",
                memory.Configuration, memory.CriticSteps, memory.Threads, memory.Seconds));
            sb.Append("| after warm-up MiB | halfway MiB | end MiB | max MiB | growth over the second half MiB |\n");
            sb.Append("|---|---|---|---|---|\n");
            sb.Append(string.Format(inv, "| {0:F0} | {1:F0} | {2:F0} | {3:F0} | {4:F1} |\n",
                memory.StartMiB, memory.HalfwayMiB, memory.EndMiB, memory.MaxMiB, memory.EndMiB - memory.HalfwayMiB));
        }
        return sb.ToString();
    }
}
