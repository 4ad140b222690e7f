namespace MnistLab.Tests.Support;

/// <summary>Random damage to a file's bytes, the kinds a disk, a download or a person can do.</summary>
public static class Mutations
{
    public static byte[] Apply(byte[] original, Random rng, int headerBytes = 64)
    {
        var b = original.ToList();
        int Pos(int n) => rng.Next(Math.Max(1, n));
        switch (rng.Next(9))
        {
            case 0: { int i = Pos(b.Count); b[i] ^= (byte)(1 << rng.Next(8)); break; }             // one bit flipped
            case 1: { int i = Pos(Math.Min(headerBytes, b.Count)); b[i] = (byte)rng.Next(256); break; } // header byte changed
            case 2: b = b.Take(Pos(b.Count)).ToList(); break;                                          // truncated
            case 3: { int i = Pos(b.Count); b.RemoveRange(i, Math.Min(b.Count - i, 1 + rng.Next(16))); break; } // bytes deleted
            case 4: { int i = Pos(b.Count + 1); b.InsertRange(Math.Min(i, b.Count), Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256))); break; } // bytes inserted
            case 5: b.AddRange(Enumerable.Range(0, 1 + rng.Next(64)).Select(_ => (byte)rng.Next(256))); break; // garbage appended
            case 6: { int i = Pos(b.Count), j = Pos(b.Count); (b[i], b[j]) = (b[j], b[i]); break; }     // two bytes swapped
            case 7: { int i = Pos(b.Count); for (int k = i; k < Math.Min(b.Count, i + 1 + rng.Next(32)); k++) b[k] = 0; break; } // zeroed run
            default: { int n = 2 + rng.Next(6); for (int k = 0; k < n; k++) { int i = Pos(b.Count); b[i] = (byte)rng.Next(256); } break; } // scattered bytes
        }
        return b.ToArray();
    }

    /// <summary>Random damage to text: characters replaced, lines dropped or doubled, the end cut off.</summary>
    public static string ApplyText(string original, Random rng)
    {
        const string Alphabet = "0123456789.,-+eE \tx\nnaNi";
        var lines = original.Split('\n').ToList();
        switch (rng.Next(6))
        {
            case 0:
            case 1:
            {
                var chars = original.ToCharArray();
                int n = 1 + rng.Next(3);
                for (int k = 0; k < n; k++) chars[rng.Next(chars.Length)] = Alphabet[rng.Next(Alphabet.Length)];
                return new string(chars);
            }
            case 2: lines.RemoveAt(rng.Next(lines.Count)); return string.Join('\n', lines);
            case 3: { int i = rng.Next(lines.Count); lines.Insert(i, lines[i]); return string.Join('\n', lines); }
            case 4: return original[..rng.Next(original.Length)];
            default:
            {
                int i = rng.Next(original.Length);
                return original[..i] + original[Math.Min(original.Length, i + 1 + rng.Next(8))..];
            }
        }
    }
}
