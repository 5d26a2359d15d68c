; TradeCopier installer: waiting for a running TradeCopier to be closed before its files are
; replaced or removed. Windows does not let a running program's file be deleted, so a failed
; Delete is the test: no process list, no plug-in. The MT5 workers are the same executable, so
; they are covered too.

!macro WaitUntilAppClosed EXE
  ${Do}
    ClearErrors
    ${IfNot} ${FileExists} "${EXE}"
      ${Break}
    ${EndIf}
    Delete "${EXE}"
    ${IfNot} ${Errors}
      ${Break}
    ${EndIf}
    ${If} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME} is running.$\r$\n$\r$\nQuit it (tray icon, then Quit) and click Retry." /SD IDCANCEL IDCANCEL`
      Abort "${APP_NAME} is still running: nothing was changed."
    ${EndIf}
  ${Loop}
!macroend

!macro RegisterUninstaller
  ; Apps & features lists the app for this user only (HKCU: no administrator rights needed).
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
!macroend
