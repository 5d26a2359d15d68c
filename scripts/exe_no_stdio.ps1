# The windowed TradeCopier.exe started as Explorer starts it on a double-click: Start-Process
# without redirection goes through ShellExecuteEx, so the process gets no console and no standard
# handles (Python then sets sys.stdout and sys.stderr to None). It runs --self-test; the check is
# that it exits 0 within the time limit (cmd does not wait for a windowed exe: -Wait does), that
# its result is in the log file of the data folder, that no traceback is anywhere in it, and that
# no TradeCopier process is left behind. Then the MT5 demo the same way: its worker processes are
# spawn children of the windowed exe, without stdio too, and each must leave its own log
# (<data>\logs\mt5-worker-<account>.log) saying it started, with no traceback.
#
#   pwsh scripts/exe_no_stdio.ps1 [-Bundle dist\TradeCopier] [-TimeoutSeconds 240]
param(
    [string]$Bundle = "dist\TradeCopier",
    [int]$TimeoutSeconds = 240
)
$ErrorActionPreference = "Stop"

$exe = Join-Path (Resolve-Path $Bundle) "TradeCopier.exe"
$work = Join-Path ([IO.Path]::GetTempPath()) ("tradecopier-nostdio-" + [guid]::NewGuid())
$data = Join-Path $work "data"
New-Item -ItemType Directory -Force -Path $work | Out-Null
# Start-Process passes this process's environment on: throw-away data and settings folders, and
# Qt's real windows platform plugin (not offscreen).
$env:TRADECOPIER_DATA_DIR = $data
$env:TRADECOPIER_CONFIG_DIR = Join-Path $work "config"
Remove-Item Env:QT_QPA_PLATFORM -ErrorAction SilentlyContinue

$process = Start-Process -FilePath $exe -ArgumentList "--self-test" -WorkingDirectory $work -PassThru
$null = $process.Handle  # held from the start, so ExitCode is still readable once it has ended
if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
    Stop-Process -Id $process.Id -Force
    throw "TradeCopier.exe --self-test did not end within $TimeoutSeconds s"
}
$code = $process.ExitCode
$log = Join-Path $data "logs\copier.log"
if (-not (Test-Path $log)) { throw "no log file at $log (exit code $code)" }
$text = Get-Content -Raw -Encoding utf8 $log
Write-Host "exit code ${code}; log file ${log}:"
Write-Host $text
if ($code -ne 0) { throw "TradeCopier.exe --self-test exited with $code" }
if ($text -notmatch "self-test passed") { throw "the log does not say 'self-test passed'" }
if ($text -match "Traceback") { throw "a traceback reached the log" }
Start-Sleep -Seconds 2  # the MT5 workers and Qt threads end with the process
$left = Get-Process -Name "TradeCopier", "tradecopier-cli" -ErrorAction SilentlyContinue
if ($left) { throw "TradeCopier processes left behind: $($left.Id -join ', ')" }
Write-Host "ok: the windowed exe without stdio passed its self-test and wrote it to the log"

$demo = Start-Process -FilePath $exe -WorkingDirectory $work -PassThru -ArgumentList `
    "demo", "--headless", "--transport", "mt5", "--simulate", "--seconds", "5"
$null = $demo.Handle
if (-not $demo.WaitForExit($TimeoutSeconds * 1000)) {
    Stop-Process -Id $demo.Id -Force
    throw "TradeCopier.exe demo --transport mt5 did not end within $TimeoutSeconds s"
}
$workerLogs = @(Get-ChildItem -Path (Join-Path $data "logs") -Filter "mt5-worker-*.log" -ErrorAction SilentlyContinue)
Write-Host "demo exit code $($demo.ExitCode); worker logs: $($workerLogs.Name -join ', ')"
if ($demo.ExitCode -ne 0) { throw "TradeCopier.exe demo --transport mt5 exited with $($demo.ExitCode)" }
if ($workerLogs.Count -eq 0) { throw "no MT5 worker wrote a log in $data\logs" }
foreach ($file in $workerLogs) {
    $workerText = Get-Content -Raw -Encoding utf8 $file.FullName
    Write-Host "${file}:"
    Write-Host $workerText
    if ($workerText -notmatch "MT5 worker for .+ started") { throw "$($file.Name) does not say the worker started" }
    if ($workerText -match "Traceback") { throw "a traceback reached $($file.Name)" }
}
Start-Sleep -Seconds 2
$left = Get-Process -Name "TradeCopier", "tradecopier-cli" -ErrorAction SilentlyContinue
if ($left) { throw "TradeCopier processes left behind after the demo: $($left.Id -join ', ')" }
Write-Host "ok: the windowed exe's MT5 workers, without stdio, each wrote their own log"
