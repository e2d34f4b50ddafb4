/**
 * The parts of the Engine API wire DTOs the CLI reads (API 1.50 field names). Loose on purpose: inspect output is
 * printed as received, so only the fields the CLI itself uses are typed.
 */
export interface Port { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }

export interface MountPoint { Type?: string; Name?: string; Source?: string; Destination?: string; RW?: boolean }

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID?: string;
  Command: string;
  Created: number;
  Ports?: Port[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State: string;
  Status: string;
  Mounts?: MountPoint[];
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: { Status: string; Running: boolean; Paused: boolean; ExitCode: number; Pid?: number; [k: string]: unknown };
  Config: { Tty: boolean; OpenStdin: boolean; Image?: string; [k: string]: unknown };
  HostConfig?: { AutoRemove?: boolean; [k: string]: unknown };
  [k: string]: unknown;
}

export interface CreateResponse { Id: string; Warnings?: string[] | null }
export interface WaitResponse { StatusCode: number; Error?: { Message?: string } | null }

export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  SharedSize?: number;
  VirtualSize?: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags?: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageDeleteItem { Untagged?: string; Deleted?: string }
export interface ImagePruneReport { ImagesDeleted?: ImageDeleteItem[] | null; SpaceReclaimed: number }

export interface TopResponse { Titles: string[]; Processes: string[][] }

export interface ExecInspect { ID: string; Running: boolean; ExitCode: number | null; Pid?: number }

export interface VersionResponse {
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Experimental?: boolean;
  BuildTime?: string;
}

export interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  scope?: string;
  time?: number;
  timeNano?: number;
  status?: string;
  id?: string;
  from?: string;
}
