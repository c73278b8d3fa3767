// Marks chosen ELF symbol-version requirements (Elf64_Vernaux entries in .gnu.version_r) as weak
// (VER_FLG_WEAK), so that the dynamic loader accepts a library whose declared need is not met by the
// system's libraries. Used by the build on the copies of libLibTorchSharp.so in its output folders:
// TorchSharp 0.107 declares GLIBCXX_3.4.32 for one symbol it never relocates, which Debian 12 lacks.
// The file is compiled by MSBuild's RoslynCodeTaskFactory (see WeakenElfVersionNeeds.targets) and, with
// WGAN_ELF_NO_TASK defined, by the tests.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Wgan.Build
{
    /// <summary>What patching one file did.</summary>
    public enum ElfPatchOutcome { Patched, AlreadyWeak, NotNeeded }

    /// <summary>Pure ELF64 little-endian logic: finds Vernaux entries by version name and sets VER_FLG_WEAK.</summary>
    public static class ElfVersionNeeds
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>
        /// Sets VER_FLG_WEAK on every Vernaux entry whose version name is in <paramref name="versions"/>.
        /// Returns the outcome; <paramref name="image"/> is changed in place only when the outcome is Patched.
        /// Throws InvalidDataException when the image is not a little-endian ELF64 file.
        /// </summary>
        public static ElfPatchOutcome Weaken(byte[] image, ICollection<string> versions)
        {
            if (image.Length < 64
                || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (image[4] != 2 || image[5] != 1)
                throw new InvalidDataException("only little-endian ELF64 files are supported");
            ulong shoff = U64(image, 0x28);
            int shentsize = U16(image, 0x3A), shnum = U16(image, 0x3C);
            var found = new List<int>();
            bool anyWeak = false;
            for (int s = 0; s < shnum; s++)
            {
                int sh = Checked(image, shoff + (ulong)(s * shentsize), 64);
                if (U32(image, sh + 4) != ShtGnuVerneed) continue;
                int verneed = Checked(image, U64(image, sh + 0x18), 16);
                uint strtabIndex = U32(image, sh + 0x28), count = U32(image, sh + 0x2C);
                int strtabHeader = Checked(image, shoff + strtabIndex * (ulong)shentsize, 64);
                int strtab = Checked(image, U64(image, strtabHeader + 0x18), 1);
                int need = verneed;
                for (uint n = 0; n < count; n++)
                {
                    int auxCount = U16(image, need + 2);
                    int aux = Checked(image, (ulong)need + U32(image, need + 8), 16);
                    for (int a = 0; a < auxCount; a++)
                    {
                        string name = CString(image, strtab + (int)U32(image, aux + 8));
                        if (versions.Contains(name))
                        {
                            if ((U16(image, aux + 4) & VerFlgWeak) != 0) anyWeak = true;
                            else found.Add(aux + 4);
                        }
                        uint next = U32(image, aux + 12);
                        if (next == 0) break;
                        aux = Checked(image, (ulong)aux + next, 16);
                    }
                    uint nextNeed = U32(image, need + 12);
                    if (nextNeed == 0) break;
                    need = Checked(image, (ulong)need + nextNeed, 16);
                }
            }
            if (found.Count == 0) return anyWeak ? ElfPatchOutcome.AlreadyWeak : ElfPatchOutcome.NotNeeded;
            foreach (int flags in found)
            {
                ushort value = (ushort)(U16(image, flags) | VerFlgWeak);
                image[flags] = (byte)value;
                image[flags + 1] = (byte)(value >> 8);
            }
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// Patches a file on disk by writing a new file and renaming it over the old one, so the original
        /// inode (which may be a hard link into a package cache) is never modified.
        /// </summary>
        public static ElfPatchOutcome WeakenFile(string path, ICollection<string> versions)
        {
            byte[] image = File.ReadAllBytes(path);
            var outcome = Weaken(image, versions);
            if (outcome != ElfPatchOutcome.Patched) return outcome;
            string temp = path + ".weakening.tmp";
            DateTime written = File.GetLastWriteTimeUtc(path);
            File.Copy(path, temp, true); // keeps the file mode
            File.WriteAllBytes(temp, image);
            // Keep the timestamp so that MSBuild's incremental copy sees the file as up to date.
            File.SetLastWriteTimeUtc(temp, written);
            File.Delete(path);
            File.Move(temp, path);
            return outcome;
        }

        static int Checked(byte[] image, ulong offset, int length)
        {
            if (offset + (ulong)length > (ulong)image.Length)
                throw new InvalidDataException($"ELF structure at offset {offset} runs past the end of the file");
            return (int)offset;
        }
        static ushort U16(byte[] b, int o) => (ushort)(b[o] | b[o + 1] << 8);
        static uint U32(byte[] b, int o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        static ulong U64(byte[] b, int o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;
        static string CString(byte[] b, int o)
        {
            int end = Array.IndexOf(b, (byte)0, o);
            if (end < 0) throw new InvalidDataException("unterminated string in ELF string table");
            return Encoding.ASCII.GetString(b, o, end - o);
        }
    }

#if !WGAN_ELF_NO_TASK
    /// <summary>MSBuild task: weakens <see cref="Versions"/> in every file of <see cref="Files"/>.</summary>
    public class WeakenElfVersionNeeds : Microsoft.Build.Utilities.Task
    {
        /// <summary>The ELF files to patch (copies in output folders, never the package cache).</summary>
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; }
        /// <summary>Semicolon-separated version names, e.g. GLIBCXX_3.4.32.</summary>
        [Microsoft.Build.Framework.Required] public string Versions { get; set; }

        public override bool Execute()
        {
            var versions = new HashSet<string>(Versions.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries));
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (path.Contains(Path.DirectorySeparatorChar + ".nuget" + Path.DirectorySeparatorChar))
                {
                    Log.LogError($"refusing to patch a file in the NuGet cache: {path}");
                    return false;
                }
                try
                {
                    var outcome = ElfVersionNeeds.WeakenFile(path, versions);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(
                            Microsoft.Build.Framework.MessageImportance.High, $"weakened {Versions} in {path}");
                }
                catch (Exception e)
                    when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"could not patch {path}: {e.Message}");
                    return false;
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
