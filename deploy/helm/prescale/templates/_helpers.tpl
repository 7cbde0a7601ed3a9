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
