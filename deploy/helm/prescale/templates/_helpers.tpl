{{- define "prescale.labels" -}}
app.kubernetes.io/name: prescale
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: prescale
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "prescale.selector" -}}
app.kubernetes.io/name: prescale
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Whether Prescale calls the Kubernetes API: to read replicas, or to actuate. */}}
{{- define "prescale.callsAPI" -}}
{{- or .Values.replicaSource.enabled .Values.actuation.enabled -}}
{{- end }}
