using System.Runtime.InteropServices;

namespace Wgan.Runner;

/// <summary>
/// Keeps freed tensor memory in the process. libtorch allocates a step's tensors with malloc and frees them at
/// the end of the step's dispose scope; with glibc's defaults, blocks of a megabyte or more go back to the
/// kernel (trimmed or unmapped) and come back the next step as fresh pages. Measured on the toy WGAN-GP
/// benchmark at 2 threads: about 10,000 page faults and 75 ms of kernel time per generator iteration, over
/// half the iteration's own time. With mmap and trimming raised out of reach the heap is reused and the page
/// faults stop; the resident set settles at the steps' high-water mark (the benchmark's memory run shows it
/// flat). Results do not change: only where memory comes from does.
/// </summary>
public static class NativeHeap
{
    const int M_TRIM_THRESHOLD = -1;
    const int M_MMAP_THRESHOLD = -3;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    /// <summary>
    /// Applies the settings once per process, on glibc; elsewhere (or where mallopt is missing) does nothing.
    /// </summary>
    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            // glibc caps the mmap threshold at 32 MiB on 64-bit systems (HEAP_MAX / 2); larger values are refused.
            Mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
            Mallopt(M_TRIM_THRESHOLD, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: the allocator's own defaults apply.
        }
    }
}
