/**
 * Nova's bodies at compute microversion 2.79, with the fields the backend
 * reads, named as Nova names them. Admin-only `OS-EXT-SRV-ATTR:*` fields are
 * optional: a member's token does not see them (hostname before 2.90).
 */

export interface Link {
  readonly rel: string;
  readonly href: string;
  readonly type?: string;
}

export type ServerStatus =
  | 'ACTIVE' | 'BUILD' | 'DELETED' | 'ERROR' | 'HARD_REBOOT' | 'MIGRATING' | 'PASSWORD' | 'PAUSED' | 'REBOOT'
  | 'REBUILD' | 'RESCUE' | 'RESIZE' | 'REVERT_RESIZE' | 'SHELVED' | 'SHELVED_OFFLOADED' | 'SHUTOFF' | 'SOFT_DELETED'
  | 'SUSPENDED' | 'UNKNOWN' | 'VERIFY_RESIZE';

export interface ServerAddress {
  readonly addr: string;
  readonly version: 4 | 6;
  readonly 'OS-EXT-IPS:type'?: 'fixed' | 'floating';
  readonly 'OS-EXT-IPS-MAC:mac_addr'?: string;
}

/** Since 2.47 the server embeds its flavor (no id). */
export interface ServerFlavor {
  readonly original_name: string;
  readonly vcpus: number;
  readonly ram: number;
  readonly disk: number;
  readonly ephemeral: number;
  readonly swap: number;
  readonly extra_specs?: Readonly<Record<string, string>>;
}

/** Why a server went to ERROR (also on some failed actions). */
export interface ServerFault {
  readonly code: number;
  readonly created: string;
  readonly message: string;
  readonly details?: string;
}

export interface Server {
  readonly id: string;
  readonly name: string;
  readonly status: ServerStatus;
  readonly tenant_id: string;
  readonly user_id: string;
  readonly created: string;
  readonly updated: string;
  readonly hostId: string;
  /** `""` for a server booted from a volume. */
  readonly image: { readonly id: string; readonly links?: readonly Link[] } | '';
  readonly flavor: ServerFlavor;
  /** Network name -> addresses on it. */
  readonly addresses: Readonly<Record<string, readonly ServerAddress[]>>;
  readonly accessIPv4: string;
  readonly accessIPv6: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly key_name: string | null;
  readonly description: string | null;
  readonly locked: boolean;
  readonly tags: readonly string[];
  readonly config_drive: string;
  readonly progress?: number;
  readonly links: readonly Link[];
  readonly fault?: ServerFault;
  readonly 'OS-EXT-STS:vm_state': string;
  readonly 'OS-EXT-STS:task_state': string | null;
  readonly 'OS-EXT-STS:power_state': number;
  readonly 'OS-EXT-AZ:availability_zone': string;
  readonly 'OS-SRV-USG:launched_at': string | null;
  readonly 'OS-SRV-USG:terminated_at': string | null;
  readonly 'OS-DCF:diskConfig': 'AUTO' | 'MANUAL';
  readonly 'os-extended-volumes:volumes_attached': readonly { readonly id: string; readonly delete_on_termination: boolean }[];
  readonly security_groups?: readonly { readonly name: string }[];
  readonly 'OS-EXT-SRV-ATTR:hostname'?: string;
  readonly 'OS-EXT-SRV-ATTR:host'?: string | null;
}

export interface ServerListFilters {
  readonly name?: string;
  readonly status?: ServerStatus;
  readonly image?: string;
  readonly flavor?: string;
  readonly ip?: string;
  readonly 'changes-since'?: string;
  readonly tags?: string;
  readonly sort_key?: string;
  readonly sort_dir?: 'asc' | 'desc';
  /** Admin only: every project's servers; then `project_id` narrows to one. */
  readonly all_tenants?: boolean;
  readonly project_id?: string;
  readonly marker?: string;
  readonly limit?: number;
}

export interface BlockDeviceMapping {
  readonly boot_index?: number | null;
  readonly uuid?: string;
  readonly source_type: 'blank' | 'image' | 'snapshot' | 'volume';
  readonly destination_type?: 'local' | 'volume';
  readonly volume_size?: number;
  readonly volume_type?: string;
  readonly delete_on_termination?: boolean;
  readonly device_name?: string;
  readonly tag?: string;
}

export interface ServerNetwork {
  readonly uuid?: string;
  readonly port?: string;
  readonly fixed_ip?: string;
  readonly tag?: string;
}

export interface ServerCreate {
  readonly name: string;
  readonly flavorRef: string;
  readonly imageRef?: string;
  /** `'auto'`, `'none'` or a list (required since 2.37). */
  readonly networks: 'auto' | 'none' | readonly ServerNetwork[];
  readonly key_name?: string;
  /** Plain user data; the client sends it base64-encoded as Nova wants. */
  readonly userData?: string | Uint8Array;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly block_device_mapping_v2?: readonly BlockDeviceMapping[];
  readonly availability_zone?: string;
  readonly security_groups?: readonly { readonly name: string }[];
  readonly config_drive?: boolean;
  readonly description?: string;
  readonly tags?: readonly string[];
}

/** The 202 body of a create: the rest comes with a GET. */
export interface CreatedServer {
  readonly id: string;
  readonly links: readonly Link[];
  readonly adminPass?: string;
  readonly security_groups?: readonly { readonly name: string }[];
  readonly 'OS-DCF:diskConfig'?: string;
}

export interface Flavor {
  readonly id: string;
  readonly name: string;
  readonly vcpus: number;
  readonly ram: number;
  readonly disk: number;
  readonly swap: number | '';
  readonly 'OS-FLV-EXT-DATA:ephemeral': number;
  readonly 'OS-FLV-DISABLED:disabled': boolean;
  readonly 'os-flavor-access:is_public': boolean;
  readonly rxtx_factor: number;
  readonly description: string | null;
  readonly extra_specs?: Readonly<Record<string, string>>;
  readonly links: readonly Link[];
}

export interface Keypair {
  readonly name: string;
  readonly public_key: string;
  readonly fingerprint: string;
  readonly type: 'ssh' | 'x509';
  readonly user_id?: string;
  /** Only when Nova generated the pair (no `public_key` sent; refused from 2.92). */
  readonly private_key?: string;
  readonly id?: number;
  readonly created_at?: string;
}

export interface InterfaceAttachment {
  readonly port_id: string;
  readonly net_id: string;
  readonly mac_addr: string;
  readonly port_state: string;
  readonly fixed_ips: readonly { readonly subnet_id: string; readonly ip_address: string }[];
  readonly tag?: string | null;
}

export interface VolumeAttachment {
  readonly id: string;
  readonly serverId: string;
  readonly volumeId: string;
  readonly device: string | null;
  readonly tag?: string | null;
  readonly delete_on_termination?: boolean;
}

export type RebootType = 'SOFT' | 'HARD';
