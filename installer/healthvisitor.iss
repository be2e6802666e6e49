; Inno Setup (6.3 or later) script: a per-machine Windows installer for HealthVisitor.
;
; Packages the PyInstaller folder that `python installer\build.py` leaves in
; dist\HealthVisitor\ (see installer\README.md for the steps). From the
; repository root:
;
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\healthvisitor.iss
;
; and, to ship IT's machine-wide settings inside the installer (installed only
; where no config.toml exists yet, and kept on uninstall):
;
;   ISCC.exe /DAppVersion=0.1.0 /DMachineConfig=C:\deploy\config.toml installer\healthvisitor.iss
;
; The result is dist\HealthVisitor-<version>-setup.exe. It installs for every
; user of the machine (administrator rights), adds a Start-menu shortcut and an
; uninstaller (Settings > Apps), and runs silently for software deployment
; with /VERYSILENT /SUPPRESSMSGBOXES /NORESTART.
;
; Uninstalling removes the program only: users' own databases and settings
; (in their AppData) and the machine-wide config in ProgramData stay.
;
; This script has not been run by the project's CI, which has no Windows.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "HealthVisitor"
#define BundleDir "..\dist\HealthVisitor"

[Setup]
; Never change AppId: Windows recognises upgrades and the uninstaller by it.
AppId={{D0EAA34C-2BF3-4EC0-A570-1D8B60DAB3BD}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=HealthVisitor developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile={#BundleDir}\_internal\healthvisitor.ico
UninstallDisplayIcon={app}\healthvisitor-gui.exe
UninstallDisplayName={#AppName}
LicenseFile=..\LICENSE
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Dirs]
; The machine-wide config folder (healthvisitor.config.machine_config_file).
Name: "{commonappdata}\{#AppName}"; Flags: uninsneveruninstall

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
#ifdef MachineConfig
Source: "{#MachineConfig}"; DestDir: "{commonappdata}\{#AppName}"; DestName: "config.toml"; Flags: onlyifdoesntexist uninsneveruninstall
#endif

[InstallDelete]
; Libraries of an older version that this one no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\healthvisitor-gui.exe"; Comment: "Caseloads, mandated reviews and referrals"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\healthvisitor-gui.exe"; Tasks: desktopicon

[Run]
; Only administrators and the system may change the machine-wide settings:
; ProgramData lets ordinary users create files by default, so inheritance is
; removed and users get read access only (SIDs: Administrators, SYSTEM, Users).
Filename: "{sys}\icacls.exe"; Parameters: """{commonappdata}\{#AppName}"" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX"; Flags: runhidden waituntilterminated; StatusMsg: "Protecting the machine-wide settings..."
Filename: "{app}\healthvisitor-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
