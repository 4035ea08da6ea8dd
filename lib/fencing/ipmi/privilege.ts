/** IPMI privilege levels (spec Table 6-1). Sessions start at USER whatever RAKP asked for. */
export const PrivilegeLevel = Object.freeze({
  callback: 0x01,
  user: 0x02,
  operator: 0x03,
  administrator: 0x04,
});

export type ConfiguredPrivilege = 'administrator' | 'operator';

export function privilegeLevel(p: ConfiguredPrivilege): number {
  return p === 'operator' ? PrivilegeLevel.operator : PrivilegeLevel.administrator;
}

export function privilegeName(level: number): string {
  switch (level) {
    case PrivilegeLevel.callback:
      return 'CALLBACK';
    case PrivilegeLevel.user:
      return 'USER';
    case PrivilegeLevel.operator:
      return 'OPERATOR';
    case PrivilegeLevel.administrator:
      return 'ADMINISTRATOR';
    default:
      return `level ${level}`;
  }
}

/**
 * RAKP 1 role byte: the privilege plus bit 4, "name-only lookup". With the bit clear some
 * BMCs look the user up by name and privilege and then refuse or MAC differently.
 */
export const NAME_ONLY_LOOKUP = 0x10;
