# Authenticode signing of the release's executables, with an RFC 3161 timestamp so the signature
# stays valid after the certificate expires, and a check of each signature with
# Get-AuthenticodeSignature. The certificate comes from repository secrets:
#   WINDOWS_SIGNING_PFX_BASE64   the code-signing certificate and key, a .pfx file in base64
#   WINDOWS_SIGNING_PFX_PASSWORD its password
#   WINDOWS_SIGNING_TIMESTAMP_URL (optional) the timestamp server; default DigiCert's
# With no certificate configured it signs nothing, says so as a workflow warning and exits 0:
# forks and test builds still build, and their binaries show "Unknown publisher".
#
#   pwsh scripts/sign_windows.ps1 FILE [FILE ...]            sign, then verify
#   pwsh scripts/sign_windows.ps1 -VerifyOnly FILE [FILE ...] verify only
# makensis runs it for the uninstaller and the setup (installer/TradeCopier.nsi, !finalize).
param(
    [switch]$VerifyOnly,
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$Files
)
$ErrorActionPreference = "Stop"

if (-not $env:WINDOWS_SIGNING_PFX_BASE64) {
    Write-Host "::warning::No code-signing certificate configured (secret WINDOWS_SIGNING_PFX_BASE64): $($Files -join ', ') left unsigned; Windows will show 'Unknown publisher'."
    exit 0
}

if (-not $VerifyOnly) {
    $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
        Sort-Object FullName -Descending | Select-Object -First 1
    if (-not $signtool) { throw "signtool.exe not found (Windows SDK)" }
    $timestamp = if ($env:WINDOWS_SIGNING_TIMESTAMP_URL) { $env:WINDOWS_SIGNING_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
    $pfx = Join-Path ([IO.Path]::GetTempPath()) ("signing-" + [guid]::NewGuid() + ".pfx")
    try {
        [IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_SIGNING_PFX_BASE64))
        # /fd and /td SHA256: file and timestamp digests; /tr: an RFC 3161 timestamp server
        # (https://learn.microsoft.com/en-us/windows/win32/seccrypto/signtool)
        & $signtool.FullName sign /fd SHA256 /td SHA256 /tr $timestamp /f $pfx /p $env:WINDOWS_SIGNING_PFX_PASSWORD @Files
        if ($LASTEXITCODE -ne 0) { throw "signtool failed with $LASTEXITCODE" }
    } finally {
        Remove-Item $pfx -Force -ErrorAction SilentlyContinue
    }
}

foreach ($file in $Files) {
    $signature = Get-AuthenticodeSignature -FilePath $file
    if ($signature.Status -ne "Valid") { throw "${file}: signature $($signature.Status) ($($signature.StatusMessage))" }
    if (-not $signature.TimeStamperCertificate) { throw "${file}: signed without a timestamp" }
    Write-Host "${file}: signed by $($signature.SignerCertificate.Subject), timestamped by $($signature.TimeStamperCertificate.Subject)"
}
