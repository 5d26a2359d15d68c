; TradeCopier installer: the chosen folder must be one this user can write without administrator
; rights (the installer never asks for them: RequestExecutionLevel user). Program Files and the
; like are refused with a sentence instead of failing half-way through copying files; a
; non-elevated installer that declares its execution level gets no file virtualisation there
; (https://learn.microsoft.com/en-us/windows/security/application-security/application-control/user-account-control/how-it-works#virtualization).
; The test is a write: create the folder if needed, write and delete a file, and take away a
; folder it created for nothing.

!macro RequireWritableFolder DIR
  Push $0
  Push $1
  StrCpy $1 0
  ${IfNot} ${FileExists} "${DIR}\*.*"
    StrCpy $1 1  ; created here: removed again below when empty
  ${EndIf}
  ClearErrors
  CreateDirectory "${DIR}"
  FileOpen $0 "${DIR}\.tradecopier-write-test" w
  ${If} ${Errors}
    ${If} $1 = 1
      RMDir "${DIR}"
    ${EndIf}
    MessageBox MB_OK|MB_ICONEXCLAMATION "${APP_NAME} cannot be installed in$\r$\n${DIR}$\r$\nbecause that folder needs administrator rights.$\r$\n$\r$\nChoose a folder of your own, such as the one proposed:$\r$\n$LOCALAPPDATA\Programs\${APP_NAME}" /SD IDOK
    Pop $1
    Pop $0
    Abort
  ${EndIf}
  FileClose $0
  Delete "${DIR}\.tradecopier-write-test"
  ${If} $1 = 1
    RMDir "${DIR}"
  ${EndIf}
  Pop $1
  Pop $0
!macroend
