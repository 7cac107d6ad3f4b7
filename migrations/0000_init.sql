CREATE TABLE `admin_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`operator` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`detail` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `admin_audit_ts` ON `admin_audit` (`ts`);--> statement-breakpoint
CREATE TABLE `clusters` (
	`key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`distinct_principals` integer NOT NULL,
	`requests` integer NOT NULL,
	`new_principals` integer NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`verdict` text,
	`verdict_until` integer,
	`reasons` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clusters_distinct` ON `clusters` (`distinct_principals`);--> statement-breakpoint
CREATE INDEX `clusters_last_seen` ON `clusters` (`last_seen`);--> statement-breakpoint
CREATE TABLE `decisions_hourly` (
	`principal` text NOT NULL,
	`hour` integer NOT NULL,
	`action` text NOT NULL,
	`would_action` text NOT NULL,
	`rules_version` integer NOT NULL,
	`count` integer NOT NULL,
	`max_score` real NOT NULL,
	`top_reasons` text NOT NULL,
	`last_ts` integer NOT NULL,
	PRIMARY KEY(`principal`, `hour`, `action`, `would_action`, `rules_version`)
);
--> statement-breakpoint
CREATE INDEX `decisions_hourly_hour` ON `decisions_hourly` (`hour`);--> statement-breakpoint
CREATE INDEX `decisions_hourly_action_hour` ON `decisions_hourly` (`action`,`hour`);--> statement-breakpoint
CREATE TABLE `faults_hourly` (
	`hour` integer NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	`last_message` text NOT NULL,
	PRIMARY KEY(`hour`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `list_entries` (
	`list` text NOT NULL,
	`principal` text NOT NULL,
	`reason` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	PRIMARY KEY(`list`, `principal`)
);
--> statement-breakpoint
CREATE TABLE `principals` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`org` text,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`requests` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`action` text NOT NULL,
	`action_until` integer,
	`reasons` text NOT NULL,
	`stopped_at` integer
);
--> statement-breakpoint
CREATE INDEX `principals_stopped_at` ON `principals` (`stopped_at`);--> statement-breakpoint
CREATE INDEX `principals_last_seen` ON `principals` (`last_seen`);--> statement-breakpoint
CREATE TABLE `rule_set_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`document` text NOT NULL,
	`note` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`restored_from` integer
);
