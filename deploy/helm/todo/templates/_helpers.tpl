{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "todo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name; when the release name already contains the chart name, use it as is. */}}
{{- define "todo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's name: the suffix survives, the release part is shortened instead. */}}
{{- define "todo.componentName" -}}
{{- $suffix := printf "-%s" .component }}
{{- printf "%s%s" (include "todo.fullname" .root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "todo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "todo.labels" -}}
helm.sh/chart: {{ include "todo.chart" . }}
{{ include "todo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo
{{- end }}

{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component; call with (dict "root" $ "component" "web"). */}}
{{- define "todo.componentLabels" -}}
{{ include "todo.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "todo.componentSelectorLabels" -}}
{{ include "todo.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* registry/repository:tag of an app image; call with (dict "root" $ "image" .Values.web.image). */}}
{{- define "todo.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag }}
{{- printf "%s/%s:%s" .root.Values.image.registry .image.repository $tag }}
{{- end }}

{{/* A value read from the one existing Secret the chart references. */}}
{{/* Where users reach the app: web.publicUrl, else https://<ingress host> when the Ingress
has TLS, else nothing (the app then takes its origin from the request's Host). */}}
{{- define "todo.publicUrl" -}}
{{- $ingress := .Values.web.ingress }}
{{- if .Values.web.publicUrl }}
{{- .Values.web.publicUrl }}
{{- else if and $ingress.enabled (or $ingress.clusterIssuer $ingress.tlsSecretName) }}
{{- printf "https://%s" $ingress.host }}
{{- end }}
{{- end }}

{{/* The Secret with Dapr's app API token (app-token-secret.yaml), named once. */}}
{{- define "todo.appTokenSecret" -}}
{{- include "todo.componentName" (dict "root" . "component" "app-token") }}
{{- end }}

{{- define "todo.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.existingSecret }}
      key: {{ .key }}
{{- end }}

{{/* Annotations that ask the Dapr injector for a sidecar; call with (dict "root" $ "app" .Values.web "appPort" N). */}}
{{- define "todo.daprAnnotations" -}}
{{- $d := .root.Values.dapr }}
dapr.io/enabled: "true"
dapr.io/app-id: {{ .app.dapr.appId | quote }}
dapr.io/app-port: {{ .appPort | quote }}
dapr.io/app-protocol: {{ .app.dapr.appProtocol | quote }}
dapr.io/config: {{ $d.configName | quote }}
dapr.io/log-level: {{ $d.logLevel | quote }}
dapr.io/log-as-json: {{ $d.logAsJson | quote }}
dapr.io/enable-metrics: "true"
dapr.io/metrics-port: "9090"
dapr.io/enable-app-health-check: "true"
{{- with .app.dapr.blockShutdownDuration }}
dapr.io/block-shutdown-duration: {{ . | quote }}
{{- end }}
dapr.io/sidecar-cpu-request: {{ $d.sidecar.resources.requests.cpu | quote }}
dapr.io/sidecar-memory-request: {{ $d.sidecar.resources.requests.memory | quote }}
dapr.io/sidecar-cpu-limit: {{ $d.sidecar.resources.limits.cpu | quote }}
dapr.io/sidecar-memory-limit: {{ $d.sidecar.resources.limits.memory | quote }}
dapr.io/sidecar-seccomp-profile-type: "RuntimeDefault"
{{- /* The operator resolves the components' secretKeyRefs; the apps never read secrets
through Dapr, and the pods mount no API token the built-in store could use (daprd exits
with "stat /.kube/config" when it tries). */}}
dapr.io/disable-builtin-k8s-secret-store: "true"
{{- if .root.Values.postgres.caCert }}
{{- /* The state store (pgx) reads PGSSLROOTCERT like libpq; daprd gets the CA mounted. */}}
dapr.io/volume-mounts: "pg-ca:/etc/todo/pg-ca"
dapr.io/env: "PGSSLROOTCERT=/etc/todo/pg-ca/ca.crt"
{{- end }}
{{- end }}

{{/* Where the apps find the CA for PostgreSQL's certificate. asyncpg, unlike Go's pgx,
does not fall back to the system roots for sslmode=verify-full: it wants a file, so without
a private CA it gets the image's bundle. */}}
{{- define "todo.pgCaEnv" -}}
- name: PGSSLROOTCERT
  value: {{ ternary "/etc/todo/pg-ca/ca.crt" "/etc/ssl/certs/ca-certificates.crt" (not (empty .Values.postgres.caCert)) | quote }}
{{- end }}

{{- define "todo.pgCaMount" -}}
{{- if .Values.postgres.caCert }}
- {name: pg-ca, mountPath: /etc/todo/pg-ca, readOnly: true}
{{- end }}
{{- end }}

{{- define "todo.pgCaVolume" -}}
{{- if .Values.postgres.caCert }}
- name: pg-ca
  configMap:
    name: {{ include "todo.fullname" . }}-pg-ca
{{- end }}
{{- end }}

{{/* Reflex keeps UI state in one process without Redis; refuse a setup that would lose it. */}}
{{- define "todo.validate" -}}
{{- if and .Values.web.enabled (not .Values.web.redisUrl) }}
{{- if gt (int .Values.web.replicas) 1 }}
{{- fail "web.replicas > 1 requires web.redisUrl: without Redis each Reflex process keeps its own UI state" }}
{{- end }}
{{- if .Values.web.autoscaling.enabled }}
{{- fail "web.autoscaling.enabled requires web.redisUrl: without Redis each Reflex process keeps its own UI state" }}
{{- end }}
{{- end }}
{{- end }}
