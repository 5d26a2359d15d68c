; TradeCopier uninstaller: "Also delete my data" also deletes the MT5 passwords the app stored in
; Windows Credential Manager, which live outside the data folder. They are the generic
; credentials keyring's Windows backend writes for the service "TradeCopier": the target
; "TradeCopier" itself and "<account>@TradeCopier" for further accounts (keyring,
; keyring/backends/Windows.py: _compound_name). Deleted with advapi32's CredEnumerateW/CredDeleteW
; (https://learn.microsoft.com/en-us/windows/win32/api/wincred/nf-wincred-credenumeratew); a
; credential that is not there is no error.

!define CRED_TYPE_GENERIC 1

!macro ForgetStoredPasswords
  System::Call 'advapi32::CredDeleteW(w "${APP_NAME}", i ${CRED_TYPE_GENERIC}, i 0) i'
  System::Call 'advapi32::CredEnumerateW(w "*@${APP_NAME}", i 0, *i .r1, *p .r2) i .r0'
  ${If} $0 <> 0
    StrCpy $3 0
    ${While} $3 < $1
      IntOp $4 $3 * ${NSIS_PTR_SIZE}
      IntOp $4 $2 + $4                         ; where the i-th PCREDENTIALW is
      System::Call '*$4(p .r5)'                ; the PCREDENTIALW
      System::Call '*$5(i .r7, i .r8, w .r6)'  ; its Flags, Type and TargetName
      System::Call 'advapi32::CredDeleteW(w r6, i ${CRED_TYPE_GENERIC}, i 0) i'
      IntOp $3 $3 + 1
    ${EndWhile}
    System::Call 'advapi32::CredFree(p r2)'
  ${EndIf}
!macroend
