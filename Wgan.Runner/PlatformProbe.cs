using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Wgan.Experiments;

namespace Wgan.Runner;

/// <summary>
/// Reads the platform fingerprint of this process (CPU, instruction sets, the native libraries' code paths and
/// versions) and pins those code paths for the portable numerics mode.
/// </summary>
/// <remarks>
/// The numbers of a run follow the code paths the native libraries choose for the CPU: MKL's matrix products
/// (a "zen" AVX2 kernel on AMD, AVX-512 on recent Intel CPUs), ATen's vectorised kernels (DEFAULT, AVX2 or AVX512)
/// and oneDNN's convolutions. Each reads its choice from the environment once, when first used: ATen from
/// <c>ATEN_CPU_CAPABILITY</c>, MKL from <c>MKL_CBWR</c> (conditional numerical reproducibility), oneDNN from
/// <c>ONEDNN_MAX_CPU_ISA</c>. .NET keeps its own copy of the environment, so the pins are written with libc's
/// <c>setenv</c>, and then read back from ATen and MKL themselves: a pin that came too late is an error, not a
/// silent fast run.
/// </remarks>
public static class PlatformProbe
{
    /// <summary>The variables the portable mode sets, with their values.</summary>
    public static readonly IReadOnlyList<(string Name, string Value)> PortablePins =
    [
        ("ATEN_CPU_CAPABILITY", "default"),
        ("MKL_CBWR", "COMPATIBLE"),
        ("ONEDNN_MAX_CPU_ISA", "SSE41"),
        ("DNNL_MAX_CPU_ISA", "SSE41"),
    ];

    /// <summary>Variables that steer a native library's or the .NET runtime's code paths; recorded when set.</summary>
    static readonly string[] SteeringVariables =
    [
        "ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
        "GLIBC_TUNABLES", "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVX", "DOTNET_EnableAVX2", "DOTNET_EnableAVX512F",
        "DOTNET_PreferredVectorBitWidth",
    ];

    /// <summary>
    /// The CPU flags (as /proc/cpuinfo names them) that decide which kernels the native libraries pick.
    /// </summary>
    static readonly string[] RelevantFlags =
    [
        "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni",
        "amx_tile", "amx_bf16",
    ];

    const int MklCbwrBranch = 1;
    const int MklCbwrCompatible = 3;

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
        int overwrite);

    [DllImport("torch_cpu", EntryPoint = "mkl_serv_cbwr_get")]
    static extern int MklCbwrGet(int option);

    [DllImport("torch_cpu", EntryPoint = "MKL_Get_Version_String")]
    static extern void MklVersionString(byte[] buffer, int length);

    // C++ functions returning std::string (libstdc++'s C++11 ABI: pointer, length, 16-byte inline buffer), which the
    // x86-64 System V ABI returns through a hidden pointer passed as the first argument.
    [DllImport("torch_cpu", EntryPoint = "_ZN2at18get_cpu_capabilityB5cxx11Ev")]
    static extern void AtenCpuCapability(IntPtr result);

    [DllImport("torch_cpu", EntryPoint = "_ZN2at11show_configB5cxx11Ev")]
    static extern void AtenShowConfig(IntPtr result);

    static readonly object Gate = new();
    static string? libraries;

    /// <summary>
    /// Pins the native libraries to the portable code paths and checks that they took them. Must run before this
    /// process's first tensor operation; throws <see cref="InputException"/> when the libraries had already chosen
    /// another path (run the command in a new process).
    /// </summary>
    public static void EnterPortableMode()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new InputException(
                "--portable: the portable numerics mode pins the x86-64 libraries of Linux; this is " +
                $"{RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}");
        lock (Gate)
        {
            foreach (var (name, value) in PortablePins)
            {
                if (SetEnv(name, value, 1) != 0) throw new InvalidOperationException($"setenv {name} failed");
                Environment.SetEnvironmentVariable(name, value); // for the processes this one starts
            }
            var (capability, branch) = (AtenCapability(), MklBranch());
            if (!ArePortable(capability, branch))
                throw new InputException(
                    "--portable: the native libraries already run another code path in this process " +
                    $"(ATen {capability}, MKL branch {branch}); the mode must be chosen before the first tensor " +
                    "operation, so run the command in a new process, or set " +
                    string.Join(" ", PortablePins.Select(p => $"{p.Name}={p.Value}")) + " in its environment");
        }
    }

    /// <summary>
    /// Whether this process runs the portable code paths (set by <see cref="EnterPortableMode"/> or the environment).
    /// </summary>
    public static bool IsPortable() => ArePortable(AtenCapability(), MklBranch());

    static bool ArePortable(string atenCapability, string mklBranch) =>
        atenCapability == "DEFAULT" && mklBranch == "COMPATIBLE";

    /// <summary>
    /// This process's platform fingerprint. Reading it fixes ATen's and MKL's choices for the process.
    /// </summary>
    public static PlatformFingerprint Current()
    {
        var (vendor, model, flags) = CpuInfo();
        var pins = SteeringVariables.Select(name => (name, value: Environment.GetEnvironmentVariable(name)))
            .Where(p => !string.IsNullOrEmpty(p.value)).Select(p => $"{p.name}={p.value}");
        var (capability, branch) = (AtenCapability(), MklBranch());
        return new PlatformFingerprint(
            cpuVendor: vendor,
            cpuModel: model,
            instructionSets: string.Join(" ", RelevantFlags.Where(flags.Contains)),
            numerics: ArePortable(capability, branch) ? NumericsMode.Portable : NumericsMode.Fast,
            atenCapability: capability,
            mklBranch: branch,
            libraries: Libraries(),
            pins: string.Join(" ", pins));
    }

    /// <summary>ATen's CPU capability in use: DEFAULT, AVX2 or AVX512 (decided once per process).</summary>
    public static string AtenCapability()
    {
        lock (Gate) return ReadStdString(AtenCpuCapability);
    }

    /// <summary>MKL's conditional-numerical-reproducibility branch, by the names of mkl_cbwr.h.</summary>
    public static string MklBranch()
    {
        int code;
        lock (Gate) code = MklCbwrGet(MklCbwrBranch);
        var strict = (code & 0x10000) != 0 ? ",STRICT" : "";
        return (code & 0xFFFF) switch
        {
            1 => "off",
            2 => "AUTO",
            MklCbwrCompatible => "COMPATIBLE",
            4 => "SSE2",
            6 => "SSSE3",
            7 => "SSE4_1",
            8 => "SSE4_2",
            9 => "AVX",
            10 => "AVX2",
            11 => "AVX512_MIC",
            12 => "AVX512",
            13 => "AVX512_MIC_E1",
            14 => "AVX512_E1",
            var other => $"code {other}",
        } + strict;
    }

    /// <summary>"libtorch X, MKL Y, oneDNN Z", from libtorch's build configuration (read once per process).</summary>
    static string Libraries()
    {
        lock (Gate)
        {
            if (libraries is not null) return libraries;
            // show_config's string is longer than the inline buffer: its heap block is left to the process (once).
            var config = ReadStdString(AtenShowConfig);
            var buffer = new byte[256];
            MklVersionString(buffer, buffer.Length);
            var mkl = Encoding.ASCII.GetString(buffer).TrimEnd('\0');
            string Find(string text, string pattern) =>
                Regex.Match(text, pattern) is { Success: true } m ? m.Groups[1].Value : "unknown";
            libraries = $"libtorch {Find(config, @"TORCH_VERSION=([^,\s]+)")}, " +
                $"MKL {Find(mkl, @"Version ([0-9][^ -]*)")}, oneDNN {Find(config, @"MKL-DNN (v[0-9.]+)")}";
            return libraries;
        }
    }

    static string ReadStdString(Action<IntPtr> call)
    {
        var result = Marshal.AllocHGlobal(32);
        try
        {
            call(result);
            var data = Marshal.ReadIntPtr(result);
            var length = Marshal.ReadInt64(result, 8);
            if (length < 0 || length > 1 << 20)
                throw new InvalidOperationException($"unexpected std::string length {length}");
            return Marshal.PtrToStringUTF8(data, (int)length);
        }
        finally
        {
            Marshal.FreeHGlobal(result);
        }
    }

    /// <summary>
    /// The vendor, model name and flags of the first CPU in /proc/cpuinfo ("unknown" where there is none).
    /// </summary>
    static (string Vendor, string Model, HashSet<string> Flags) CpuInfo()
    {
        string vendor = "unknown", model = "unknown";
        var flags = new HashSet<string>();
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var colon = line.IndexOf(':');
                if (colon < 0) continue;
                var (key, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
                if (key == "vendor_id" && vendor == "unknown") vendor = value;
                else if (key == "model name" && model == "unknown") model = value;
                else if (key == "flags" && flags.Count == 0)
                    flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                else if (key.Length == 0 && flags.Count > 0) break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is hidden: the fingerprint says so.
        }
        return (vendor, model, flags);
    }
}
