; TradeCopier installer (NSIS 3): per-user, no administrator rights, into
; %LOCALAPPDATA%\Programs\TradeCopier; Start-menu shortcut; optional desktop shortcut and start
; with Windows; an uninstaller that keeps the user's data folder unless asked to remove it.
;
; Installing over an older version replaces the program files only: accounts, links, the trade
; log and settings live in %LOCALAPPDATA%\TradeCopier (platformdirs' folder for the app), which
; the installer never writes, and the previous desktop/autostart choices are kept.
;
;   makensis -DVERSION=0.1.0 -DVERSION_QUAD=0.1.0.0 [-DBUNDLE_DIR=..\dist\TradeCopier]
;            [-DOUTFILE=..\dist\TradeCopier-0.1.0-setup.exe] installer\TradeCopier.nsi
;
; scripts/check_installer.py passes these from copier/__init__.py and compiles this script.

Unicode true
ManifestDPIAware true

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "Sections.nsh"
!include "FileFunc.nsh"

!define APP_NAME "TradeCopier"
!define APP_EXE "TradeCopier.exe"
!define CLI_EXE "tradecopier-cli.exe"  ; the console companion (build.spec): copier run, keys, ...
!define UNINSTALLER "Uninstall.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\TradeCopier"
!define SETTINGS_KEY "Software\TradeCopier"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define DATA_DIR "$LOCALAPPDATA\TradeCopier"
!define START_MENU_LINK "$SMPROGRAMS\TradeCopier.lnk"
!define DESKTOP_LINK "$DESKTOP\TradeCopier.lnk"

!ifndef VERSION
  !error "pass the version: makensis -DVERSION=1.2.3 -DVERSION_QUAD=1.2.3.0 TradeCopier.nsi"
!endif
!ifndef VERSION_QUAD
  !error "pass the four-number version for the file properties: -DVERSION_QUAD=1.2.3.0"
!endif
!ifndef BUNDLE_DIR
  !define BUNDLE_DIR "..\dist\TradeCopier"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\TradeCopier-${VERSION}-setup.exe"
!endif

!include "running_app.nsh"
!include "previous_choices.nsh"
!include "writable_folder.nsh"
!include "forget_passwords.nsh"

!ifdef SIGN_TOOL
  ; Authenticode for the uninstaller and the setup as makensis writes them (NSIS 3.08+,
  ; https://nsis.sourceforge.io/Docs/Chapter5.html#finalize): "%1" is the file. The release
  ; passes -DSIGN_TOOL="pwsh -NoProfile -File scripts\sign_windows.ps1" (scripts/check_installer.py).
  !uninstfinalize '${SIGN_TOOL} "%1"' = 0
  !finalize '${SIGN_TOOL} "%1"' = 0
!endif

Name "${APP_NAME} ${VERSION}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${SETTINGS_KEY}" "InstallDir"
SetCompressor /SOLID lzma
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=1033 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP_NAME} ${VERSION} installer"
VIAddVersionKey /LANG=1033 "CompanyName" "${APP_NAME}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "© ${APP_NAME}"

!define MUI_ICON "..\resources\app.ico"
!define MUI_UNICON "..\resources\app.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME} now"

!insertmacro MUI_PAGE_WELCOME
!define MUI_PAGE_CUSTOMFUNCTION_LEAVE CheckInstallFolder  ; a folder needing admin: choose again
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; ----- install --------------------------------------------------------------------------------

Section "${APP_NAME}" SecApp
  SectionIn RO
  !insertmacro RequireWritableFolder "$INSTDIR"  ; a silent install given such a folder stops here
  !insertmacro WaitUntilAppClosed "$INSTDIR\${APP_EXE}"
  !insertmacro WaitUntilAppClosed "$INSTDIR\${CLI_EXE}"
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the whole runtime: modules an older version shipped must not linger.
  ; Only our own folder goes; whatever else is in $INSTDIR stays.
  RMDir /r "$INSTDIR\_internal"
  File /r "${BUNDLE_DIR}\*.*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"
  CreateShortcut "${START_MENU_LINK}" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
  WriteRegStr HKCU "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${SETTINGS_KEY}" "Version" "${VERSION}"
  !insertmacro RegisterUninstaller
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "${DESKTOP_LINK}" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

Section /o "Start with Windows" SecAutostart
  ; The same value the app's own "start with Windows" setting writes (copier/ui/autostart.py).
  WriteRegStr HKCU "${RUN_KEY}" "${APP_NAME}" '"$INSTDIR\${APP_EXE}"'
SectionEnd

Section "-options left unticked"
  ; On an upgrade an option the user now unticks is taken away, not merely not added.
  ${IfNot} ${SectionIsSelected} ${SecDesktop}
    Delete "${DESKTOP_LINK}"
  ${EndIf}
  ${IfNot} ${SectionIsSelected} ${SecAutostart}
    DeleteRegValue HKCU "${RUN_KEY}" "${APP_NAME}"
  ${EndIf}
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The app, its Expert Advisors and a Start-menu shortcut."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A shortcut on your desktop."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAutostart} "Start ${APP_NAME} when you log in, so copying resumes after a restart."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function CheckInstallFolder
  !insertmacro RequireWritableFolder "$INSTDIR"
FunctionEnd

Function .onInit
  !insertmacro KeepPreviousChoices ${SecDesktop} ${SecAutostart}
FunctionEnd

; ----- uninstall ------------------------------------------------------------------------------

Section "un.${APP_NAME}" UnSecApp
  SectionIn RO
  !insertmacro WaitUntilAppClosed "$INSTDIR\${APP_EXE}"
  !insertmacro WaitUntilAppClosed "$INSTDIR\${CLI_EXE}"
  Delete "${START_MENU_LINK}"
  Delete "${DESKTOP_LINK}"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR"  ; only when empty: files the user put there stay
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd

Section /o "un.Also delete my data" UnSecData
  ; Unticked by default (and in a silent uninstall unless /DELETEDATA is given): accounts, links,
  ; the trade log and settings survive an uninstall, so reinstalling picks up where the trader
  ; left off.
  RMDir /r "${DATA_DIR}"
  !insertmacro ForgetStoredPasswords  ; the MT5 passwords in Credential Manager go with the data
SectionEnd

Function un.onInit
  ; "Uninstall.exe /S /DELETEDATA": the silent form of ticking "Also delete my data" (the
  ; Windows smoke test uses it; scripts/installer_smoke.ps1).
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecApp} "The app, its shortcuts and its start-with-Windows entry."
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecData} "Also delete ${DATA_DIR} and the MT5 passwords saved in Credential Manager: your accounts, copy links, trade log and settings. Leave unticked to keep them."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
