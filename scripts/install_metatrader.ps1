# Installs MetaTrader 4 and 5 on the release runner for their MetaEditors (scripts/compile_eas.py)
# and writes where each MetaEditor is to $env:GITHUB_ENV as MT4_EDITOR and MT5_EDITOR.
#
#   pwsh scripts/install_metatrader.ps1 [-Mt4SetupUrl URL] [-Mt5SetupUrl URL] [-TimeoutSeconds 600]
#
# The installers are MetaQuotes' web installers; "/auto" installs into Program Files with the
# defaults and no questions. Some networks answer download.mql5.com with HTTP 451: then set the
# repository variables MT4_SETUP_URL / MT5_SETUP_URL (Settings -> Variables) to a broker's
# installer, which installs the same terminal and MetaEditor (the workflow passes them to this
# script as the environment variables of the same names). Each terminal starts itself after
# installing; it is closed here so nothing is left running.
param(
    [string]$Mt4SetupUrl = $(if ($env:MT4_SETUP_URL) { $env:MT4_SETUP_URL } else { "https://download.mql5.com/cdn/web/metaquotes.software.corp/mt4/mt4setup.exe" }),
    [string]$Mt5SetupUrl = $(if ($env:MT5_SETUP_URL) { $env:MT5_SETUP_URL } else { "https://download.mql5.com/cdn/web/metaquotes.software.corp/mt5/mt5setup.exe" }),
    [int]$TimeoutSeconds = 600
)
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"  # Invoke-WebRequest is many times slower with it

function Install-Terminal([string]$Name, [string]$Url, [string]$Editor, [string[]]$Processes) {
    if (Test-Path $Editor) { Write-Host "$Name already installed: $Editor"; return }
    $setup = Join-Path $env:RUNNER_TEMP "$Name-setup.exe"
    Write-Host "downloading $Url"
    Invoke-WebRequest -Uri $Url -OutFile $setup
    Start-Process -FilePath $setup -ArgumentList "/auto" | Out-Null
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while (-not (Test-Path $Editor)) {
        if ((Get-Date) -gt $deadline) { throw "$Name did not install $Editor within $TimeoutSeconds s" }
        Start-Sleep -Seconds 5
    }
    Start-Sleep -Seconds 20  # the installer finishes writing the rest of the folder
    Get-Process -Name $Processes -ErrorAction SilentlyContinue | Stop-Process -Force
    Write-Host "$Name installed: $Editor"
}

$mt4Editor = Join-Path ${env:ProgramFiles(x86)} "MetaTrader 4\metaeditor.exe"
$mt5Editor = Join-Path $env:ProgramFiles "MetaTrader 5\MetaEditor64.exe"
Install-Terminal "MetaTrader4" $Mt4SetupUrl $mt4Editor @("terminal", "mt4setup")
Install-Terminal "MetaTrader5" $Mt5SetupUrl $mt5Editor @("terminal64", "mt5setup")
"MT4_EDITOR=$mt4Editor" | Out-File -FilePath $env:GITHUB_ENV -Append -Encoding utf8
"MT5_EDITOR=$mt5Editor" | Out-File -FilePath $env:GITHUB_ENV -Append -Encoding utf8
