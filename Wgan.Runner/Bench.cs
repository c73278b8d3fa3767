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
    /// <summary>Side of the square matrices whose product measures the peak (2048, as in the project's brief).</summary>
    public const int PeakSize = 2048;

    /// <summary>One measured row.</summary>
    public sealed record Row(string Configuration, int Threads, double IterationsPerSecond, double GflopPerIteration,
        double Gflops, double PeakGflops, double PeakMemoryMiB, double MemoryGrowthMiB);

    /// <summary>Runs the benchmark.</summary>
    public static int Execute(BenchCommand bench, string[] args, TextWriter stdout, TextWriter stderr)
    {
        var configurations = Benchmarks.all.Where(c => bench.Only.Length == 0 || bench.Only.Contains(c.Name)).ToArray();
        var unknown = bench.Only.Except(Benchmarks.all.Select(c => c.Name)).ToArray();
        if (unknown.Length > 0)
            throw new InputException($"unknown configuration(s) {string.Join(", ", unknown)} (known: {string.Join(", ", Benchmarks.all.Select(c => c.Name))})");
        var rows = new List<Row>();
        stdout.WriteLine($"{"configuration",-16} {"threads",7} {"gen it/s",9} {"GFLOP/it",9} {"GFLOP/s",8} {"peak",7} {"ratio",6} {"mem MiB",8} {"growth",7}");
        foreach (var threads in bench.Threads)
        {
            Devices.PinThreads(threads);
            var peak = MatmulPeak(stderr);
            foreach (var configuration in configurations)
            {
                var row = Measure(configuration, threads, peak, bench.Iterations, stderr);
                rows.Add(row);
                stdout.WriteLine($"{row.Configuration,-16} {row.Threads,7} {row.IterationsPerSecond,9:F2} {row.GflopPerIteration,9:F2} {row.Gflops,8:F1} {row.PeakGflops,7:F1} {row.Gflops / row.PeakGflops,6:P0} {row.PeakMemoryMiB,8:F0} {row.MemoryGrowthMiB,7:F1}");
            }
        }
        AtomicOutput.WriteText(bench.OutFile, Markdown(rows, bench.Iterations, "wgan " + string.Join(" ", args)));
        stdout.WriteLine($"written {bench.OutFile}");
        return Program.Done;
    }

    /// <summary>The best of several timed fp32 2048 x 2048 products, in GFLOP/s.</summary>
    public static double MatmulPeak(TextWriter stderr)
    {
        using var scope = torch.NewDisposeScope();
        using var random = new torch.Generator(1);
        var a = torch.randn([PeakSize, PeakSize], generator: random);
        var b = torch.randn([PeakSize, PeakSize], generator: random);
        a.matmul(b).Dispose(); // warm-up
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        var gflops = Benchmarks.matmulFlops(PeakSize) / best / 1e9;
        stderr.WriteLine($"[bench] fp32 {PeakSize}^2 matmul peak on {torch.get_num_threads()} thread(s): {gflops:F1} GFLOP/s");
        return gflops;
    }

    static Row Measure(Benchmarks.Configuration configuration, int threads, double peak, int iterations, TextWriter stderr)
    {
        var (iterate, disposables) = configuration.Build.Invoke(1);
        try
        {
            for (var i = 0; i < 3; i++) iterate.Invoke(null!); // warm-up: allocator, optimiser state
            GC.Collect();
            var before = ResidentMiB();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++) iterate.Invoke(null!);
            var seconds = clock.Elapsed.TotalSeconds;
            var after = ResidentMiB();
            var rate = iterations / seconds;
            var gflopPerIteration = configuration.FlopsPerIteration / 1e9;
            stderr.WriteLine($"[bench] {configuration.Name}, {threads} thread(s): {iterations} iterations in {seconds:F1} s");
            return new Row(configuration.Name, threads, rate, gflopPerIteration, rate * gflopPerIteration, peak,
                Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, after - before);
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    static double ResidentMiB()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / 1048576.0;
    }

    static string Markdown(IReadOnlyList<Row> rows, int iterations, string command)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# Benchmarks\n\n");
        sb.Append($"Command: `{command}`. Machine: {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)}. ");
        sb.Append($"Each row times {iterations} generator iterations after 3 warm-up iterations.\n\n");
        sb.Append("GFLOP per iteration is counted analytically from the mathematics (see `Benchmarks.wganFlopsPerIteration`); ");
        sb.Append($"the peak is the best of five fp32 {PeakSize}x{PeakSize} matrix products at the same thread count. ");
        sb.Append("Memory: the process's peak resident set, and the growth of the resident set over the timed iterations.\n\n");
        sb.Append("| configuration | threads | gen it/s | GFLOP/it | GFLOP/s | matmul peak GFLOP/s | ratio | peak memory MiB | growth MiB |\n");
        sb.Append("|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            sb.Append(string.Format(inv, "| {0} | {1} | {2:F2} | {3:F2} | {4:F1} | {5:F1} | {6:P0} | {7:F0} | {8:F1} |\n",
                r.Configuration, r.Threads, r.IterationsPerSecond, r.GflopPerIteration, r.Gflops, r.PeakGflops, r.Gflops / r.PeakGflops, r.PeakMemoryMiB, r.MemoryGrowthMiB));
        return sb.ToString();
    }
}
