{{/* The optional observability block (values: observability), kept apart from the other
templates: each workload includes these two helpers and nothing else of it. */}}

{{/* Pod annotations for annotation-based Prometheus scrapes of the app's own /metrics
(one endpoint a pod by that convention: the sidecars' :9090 comes with the PodMonitor). */}}
{{- define "todo.scrapeAnnotations" -}}
{{- $o := .root.Values.observability }}
{{- if and $o.enabled $o.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: "/metrics"
{{- end }}
{{- end }}

{{/* The apps' trace export: on only with the block and an endpoint. */}}
{{- define "todo.tracingEnv" -}}
{{- $t := .Values.observability.tracing }}
{{- if and .Values.observability.enabled $t.zipkinEndpoint }}
- name: TRACING_ENDPOINT
  value: {{ $t.zipkinEndpoint | quote }}
- name: TRACING_SAMPLING_RATE
  value: {{ $t.samplingRate | quote }}
{{- end }}
{{- end }}

{{/* Dapr's tracing: the block's, or dapr.tracingSamplingRate (off by default) without it. */}}
{{- define "todo.daprTracing" -}}
{{- $o := .Values.observability }}
{{- if and $o.enabled $o.tracing.zipkinEndpoint }}
samplingRate: {{ $o.tracing.samplingRate | quote }}
zipkin:
  endpointAddress: {{ $o.tracing.zipkinEndpoint | quote }}
{{- else }}
samplingRate: {{ .Values.dapr.tracingSamplingRate | quote }}
{{- end }}
{{- end }}
