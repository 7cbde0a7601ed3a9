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

{{/* The service account the pods run as: the chart's own (named after the release unless
serviceAccount.name says otherwise), or an existing one when serviceAccount.create is false. */}}
{{- define "prescale.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default .Release.Name -}}
{{- end }}

{{/* The image: by digest when image.digest is set, else by tag (default the chart's appVersion). */}}
{{- define "prescale.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}
