/** The normalised compose model: what the loader produces and the converge engine consumes. */
export type Dict<T = string> = Record<string, T>;

export interface BuildConfig { context: string; dockerfile: string; args?: Dict<string | null>; target?: string; labels?: Dict; dockerfile_inline?: string }
export interface PortConfig { mode: 'ingress' | 'host'; target: number; published?: string; protocol: string; host_ip?: string }
export interface VolumeMount {
  type: 'volume' | 'bind' | 'tmpfs';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean; propagation?: string };
  volume?: { nocopy?: boolean };
  tmpfs?: { size?: number | string; mode?: number };
}
export interface ServiceNetwork { aliases?: string[]; ipv4_address?: string; ipv6_address?: string; priority?: number }
export interface Dependency { condition: 'service_started' | 'service_healthy' | 'service_completed_successfully'; required: boolean; restart?: boolean }
export interface Healthcheck { test?: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string; start_interval?: string; disable?: boolean }
export interface FileReference { source: string; target?: string; uid?: string; gid?: string; mode?: number }
export interface UpdateConfig { parallelism?: number; delay?: string; order?: 'start-first' | 'stop-first'; failure_action?: 'continue' | 'rollback' | 'pause'; monitor?: string }
export interface Deploy {
  replicas?: number;
  resources?: { limits?: { cpus?: string | number; memory?: string; pids?: number }; reservations?: { cpus?: string | number; memory?: string } };
  restart_policy?: { condition?: 'none' | 'on-failure' | 'any'; delay?: string; max_attempts?: number; window?: string };
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  labels?: Dict;
}

export interface Service {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[];
  entrypoint?: string[];
  environment: Dict<string | null>;
  ports: PortConfig[];
  expose: string[];
  volumes: VolumeMount[];
  networks: Dict<ServiceNetwork | null>;
  network_mode?: string;
  depends_on: Dict<Dependency>;
  healthcheck?: Healthcheck;
  restart?: string;
  deploy?: Deploy;
  scale?: number;
  labels: Dict;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  extra_hosts: string[];
  init?: boolean;
  stop_signal?: string;
  stop_grace_period?: string;
  tty?: boolean;
  stdin_open?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  privileged?: boolean;
  read_only?: boolean;
  tmpfs?: string[];
  ulimits?: Dict<number | { soft: number; hard: number }>;
  logging?: { driver?: string; options?: Dict };
  secrets: FileReference[];
  configs: FileReference[];
  profiles?: string[];
  container_name?: string;
  pull_policy?: string;
  [other: string]: unknown;
}

export interface NetworkConfig { name: string; external?: boolean; internal?: boolean; driver?: string; driver_opts?: Dict; labels?: Dict; attachable?: boolean; enable_ipv6?: boolean; ipam?: { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string }[] } }
export interface VolumeConfig { name: string; external?: boolean; driver?: string; driver_opts?: Dict; labels?: Dict }
export interface FileObject { name: string; file?: string; external?: boolean; environment?: string; content?: string }

export interface Project {
  name: string;
  workingDir: string;
  configFiles: string[];
  services: Dict<Service>;
  /** Services left out because none of their profiles is active. */
  disabled: Dict<Service>;
  networks: Dict<NetworkConfig>;
  volumes: Dict<VolumeConfig>;
  secrets: Dict<FileObject>;
  configs: Dict<FileObject>;
  /** The variables interpolation used (process env over .env), for `run -e KEY` lookups. */
  environment: Dict<string>;
}
