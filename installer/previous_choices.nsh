; TradeCopier installer: an upgrade starts from what the user chose last time. A desktop shortcut
; or a start-with-Windows entry that exists ticks its option (whether the installer or the app's
; own setting made it), so clicking through an upgrade changes nothing the user set up.

!macro KeepPreviousChoices DESKTOP_SECTION AUTOSTART_SECTION
  ${If} ${FileExists} "${DESKTOP_LINK}"
    !insertmacro SelectSection ${DESKTOP_SECTION}
  ${EndIf}
  ClearErrors
  ReadRegStr $0 HKCU "${RUN_KEY}" "${APP_NAME}"
  ${IfNot} ${Errors}
  ${AndIf} $0 != ""
    !insertmacro SelectSection ${AUTOSTART_SECTION}
  ${EndIf}
!macroend
