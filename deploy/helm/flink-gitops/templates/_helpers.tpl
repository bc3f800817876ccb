{{/* The release's full name: the release name, with the chart's name unless it holds it. */}}
{{- define "flink-gitops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flink-gitops.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flink-gitops.labels" -}}
{{ include "flink-gitops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "flink-gitops.serviceAccountName" -}}
{{- default (include "flink-gitops.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* Secrets in Git: asked for, or implied by an age identity. */}}
{{- define "flink-gitops.manageSecrets" -}}
{{- if or .Values.rbac.manageSecrets .Values.secrets.ageIdentity -}}true{{- end -}}
{{- end -}}

{{/*
The rights in each managed namespace (or in all of them), exactly those of
agent/rights.c (a test holds the rendered chart to them).
*/}}
{{- define "flink-gitops.managedRules" -}}
- apiGroups: [flink.apache.org]
  resources: [flinkdeployments, flinksessionjobs, flinkbluegreendeployments, flinkstatesnapshots]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [configmaps, serviceaccounts]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [list, watch]
{{- if .Values.reports.events }}
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
{{- if include "flink-gitops.manageSecrets" . }}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, patch, delete]
{{- end }}
{{- if .Values.rbac.manageRoles }}
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles]
  verbs: [get, list, watch, create, patch, delete, escalate, bind]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [get, list, watch, create, patch, delete]
{{- end }}
{{- end -}}
