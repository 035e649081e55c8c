{{/* The chart name, or nameOverride. */}}
{{- define "nodepool-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource name: fullnameOverride, else the release name (+ chart name unless it is in it). */}}
{{- define "nodepool-operator.fullname" -}}
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

{{- define "nodepool-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select the operator's pods (never change these across upgrades). */}}
{{- define "nodepool-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nodepool-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nodepool-operator.labels" -}}
helm.sh/chart: {{ include "nodepool-operator.chart" . }}
{{ include "nodepool-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: alicloud-nodepool-operator
{{- end }}

{{- define "nodepool-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nodepool-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret that holds the credentials file (modes existingSecret and secret). */}}
{{- define "nodepool-operator.credentialsSecretName" -}}
{{- if eq .Values.credentials.mode "secret" }}
{{- printf "%s-credentials" (include "nodepool-operator.fullname" .) }}
{{- else }}
{{- .Values.credentials.existingSecret.name }}
{{- end }}
{{- end }}

{{- define "nodepool-operator.credentialsSecretKey" -}}
{{- if eq .Values.credentials.mode "secret" }}credentials.json{{ else }}{{ .Values.credentials.existingSecret.key }}{{ end }}
{{- end }}

{{- define "nodepool-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the credentials Secret is mounted and the file the operator reads (re-read when the Secret changes). */}}
{{- define "nodepool-operator.credentialsDir" -}}/etc/alicloud/credentials{{- end }}
{{- define "nodepool-operator.rrsaTokenDir" -}}/var/run/secrets/ack.alibabacloud.com/rrsa-tokens{{- end }}
