# The installer as a trader (or a deployment tool) runs it, silently, on the Windows runner:
#   0. a folder this user may not write (as Program Files is for a non-admin) is refused and
#      nothing is installed (the runner's user is an administrator, so the folder's ACL denies
#      the write instead);
#   1. silent install into a fresh folder: files, Start-menu shortcut and the per-user
#      "Apps & features" entry (HKCU) are there; the installed console exe answers --version;
#   2. upgrade over a running app: refused while TradeCopier runs (the silent answer to "quit it
#      and retry" is Cancel) and nothing changed; done once it is closed;
#   3. silent uninstall keeps the data folder and the MT5 passwords in Credential Manager;
#   4. reinstall, then "Uninstall.exe /S /DELETEDATA" removes both. After each uninstall the registry entries and the program folder are gone.
# It uses the real per-user data folder (%LOCALAPPDATA%\TradeCopier) of the runner's account.
#
#   pwsh scripts/installer_smoke.ps1 -Setup dist\TradeCopier-X.Y.Z-setup.exe
param([Parameter(Mandatory = $true)][string]$Setup)
$ErrorActionPreference = "Stop"

$setupExe = (Resolve-Path $Setup).Path
$target = Join-Path ([IO.Path]::GetTempPath()) ("TradeCopier-install-" + [guid]::NewGuid())
$uninstallKey = "HKCU:\Software\Microsoft\Windows\CurrentVersion\Uninstall\TradeCopier"
$dataDir = Join-Path $env:LOCALAPPDATA "TradeCopier"
$startMenuLink = Join-Path ([Environment]::GetFolderPath("Programs")) "TradeCopier.lnk"

function Invoke-Quietly([string]$File, [string[]]$Arguments) {
    # NSIS: /S silent; /D= the folder, last and unquoted (https://nsis.sourceforge.io/Docs/Chapter3.html#installerusagecommon)
    $p = Start-Process -FilePath $File -ArgumentList $Arguments -Wait -PassThru
    return $p.ExitCode
}

function Set-TestPasswords {
    # Two accounts' passwords, stored as the app stores them (keyring, service "TradeCopier"):
    # the first ends under the target "TradeCopier", the second under "smoke-1@TradeCopier".
    python -c "import keyring; keyring.set_password('TradeCopier', 'smoke-1', 'a'); keyring.set_password('TradeCopier', 'smoke-2', 'b')"
    if ($LASTEXITCODE -ne 0) { throw "could not store the test passwords" }
}

function Get-TestPasswordCount {
    $count = python -c "import keyring; print(sum(keyring.get_password('TradeCopier', u) is not None for u in ('smoke-1', 'smoke-2')))"
    return [int]$count
}

function Install-Silently {
    $code = Invoke-Quietly $setupExe @("/S", "/D=$target")
    if ($code -ne 0) { throw "the silent install exited with $code" }
    foreach ($file in "TradeCopier.exe", "tradecopier-cli.exe", "Uninstall.exe") {
        if (-not (Test-Path (Join-Path $target $file))) { throw "$file is missing after install" }
    }
    if (-not (Test-Path $startMenuLink)) { throw "no Start-menu shortcut at $startMenuLink" }
    $entry = Get-ItemProperty -Path $uninstallKey
    if ($entry.InstallLocation.TrimEnd('\') -ine $target.TrimEnd('\')) { throw "Apps & features points at $($entry.InstallLocation)" }
    Write-Host "installed $($entry.DisplayVersion) into $target"
}

function Uninstall-Silently([string[]]$Extra) {
    # The uninstaller copies itself to %TEMP% and returns at once: wait for the folder to go.
    $code = Invoke-Quietly (Join-Path $target "Uninstall.exe") (@("/S") + $Extra)
    if ($code -ne 0) { throw "the silent uninstall exited with $code" }
    $deadline = (Get-Date).AddSeconds(60)
    while ((Test-Path (Join-Path $target "TradeCopier.exe")) -and (Get-Date) -lt $deadline) {
        Start-Sleep -Milliseconds 500
    }
    if (Test-Path (Join-Path $target "TradeCopier.exe")) { throw "the program files are still there" }
    if (Test-Path $uninstallKey) { throw "the Apps & features entry is still there" }
    if (Test-Path "HKCU:\Software\TradeCopier") { throw "HKCU\Software\TradeCopier is still there" }
    if (Test-Path $startMenuLink) { throw "the Start-menu shortcut is still there" }
}

# 0. a folder that needs rights this user does not have
$denied = Join-Path ([IO.Path]::GetTempPath()) ("TradeCopier-denied-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $denied | Out-Null
& icacls $denied /deny "${env:USERNAME}:(W,AD)" | Out-Null
$code = Invoke-Quietly $setupExe @("/S", "/D=$denied\TradeCopier")
if ($code -eq 0) { throw "the installer accepted a folder it cannot write" }
if (Test-Path "$denied\TradeCopier\TradeCopier.exe") { throw "files were installed in the refused folder" }
& icacls $denied /remove:d "${env:USERNAME}" | Out-Null
Write-Host "a folder needing other rights was refused (exit $code)"

# 1. install
Install-Silently
$version = & (Join-Path $target "tradecopier-cli.exe") --version
if ($LASTEXITCODE -ne 0) { throw "the installed tradecopier-cli.exe --version exited with $LASTEXITCODE" }
Write-Host "installed console exe says: $version"

# 2. upgrade over a running app
New-Item -ItemType Directory -Force -Path $dataDir | Out-Null
$app = Start-Process -FilePath (Join-Path $target "TradeCopier.exe") -ArgumentList "demo" -PassThru
Start-Sleep -Seconds 10
if ($app.HasExited) { throw "the installed app ended on its own (exit $($app.ExitCode))" }
$before = (Get-Item (Join-Path $target "TradeCopier.exe")).LastWriteTimeUtc
$code = Invoke-Quietly $setupExe @("/S", "/D=$target")
if ($code -eq 0) { throw "the upgrade went ahead while TradeCopier was running" }
if (-not (Test-Path (Join-Path $target "TradeCopier.exe"))) { throw "a refused upgrade removed the exe" }
if ((Get-Item (Join-Path $target "TradeCopier.exe")).LastWriteTimeUtc -ne $before) { throw "a refused upgrade changed the exe" }
Write-Host "upgrade over the running app refused (exit $code), files unchanged"
Stop-Process -Id $app.Id -Force
$app.WaitForExit()
Start-Sleep -Seconds 3  # its MT5 workers (none in the demo's sim transport) and file handles go
Install-Silently

# 3. uninstall, keeping the data folder
$marker = Join-Path $dataDir "smoke-marker.txt"
Set-Content -Path $marker -Value "kept unless asked"
Set-TestPasswords
Uninstall-Silently @()
if (-not (Test-Path $marker)) { throw "a plain uninstall deleted the data folder" }
if ((Get-TestPasswordCount) -ne 2) { throw "a plain uninstall deleted stored passwords" }
Write-Host "uninstalled; the data folder and the stored passwords were kept"

# 4. reinstall, uninstall with /DELETEDATA
Install-Silently
Uninstall-Silently @("/DELETEDATA")
if (Test-Path $dataDir) { throw "/DELETEDATA left $dataDir behind" }
$left = Get-TestPasswordCount
if ($left -ne 0) { throw "/DELETEDATA left $left stored passwords in Credential Manager" }
Write-Host "ok: install, refused upgrade over a running app, upgrade, uninstall with and without the data folder"
