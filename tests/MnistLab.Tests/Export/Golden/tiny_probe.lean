/-
  Linear concept probes exported by MnistLab 0.1.0 (the ridge probe of the VAE experiment).
  Data files (SHA-256):
    t10k-images-idx3-ubyte cd
    train-images-idx3-ubyte ab
  Model checkpoint (SHA-256): ee
  Samples: 2 (two hand-made samples).
  The weights and biases are the exact values of the fitted float64 numbers, not rounded decimals.
  δ is an empirical maximum of |c - w(z)| over exactly these 2 samples, computed in exact rational
  arithmetic and rounded up to 9 decimals. It is not a bound over all inputs.
-/
import Mathlib

namespace MnistLab

/-- A linear probe `w z = ∑ i, weights i * z i + bias` on a latent space of dimension `d`, and its
    empirical sup error `δ` over `samples` measured points. -/
structure ProbeSpec (d : ℕ) where
  weights : Fin d → ℚ
  bias : ℚ
  δ : ℚ
  samples : ℕ

def probe_size : ProbeSpec 2 where
  weights := ![((1 : ℚ) / 2), (2 : ℚ)]
  bias := ((-13 : ℚ) / 4)
  δ := ((3 : ℚ) / 10)
  samples := 2

def probe_slant : ProbeSpec 2 where
  weights := ![((-3602879701896397 : ℚ) / 36028797018963968), ((6032057205060441 : ℚ) / 6032057205060440848842124543157735677050252251748505781796615064961622344493727293370973578138265743708225425014400837164813540499979063179105919597766951022193355091707896034850684039059079180396788349106095584290087446076413771468940477241550670753145517602931224392424029547429993824129889235158145614364972941312)]
  bias := ((3 : ℚ) / 4)
  δ := ((250000001 : ℚ) / 1000000000)
  samples := 2

end MnistLab
