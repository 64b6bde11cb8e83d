// Package aggregate merges the Hystrix metrics events of many hosts into one
// event per command and thread pool, the way Netflix Turbine does, so the
// Hystrix dashboard can show a whole cluster as if it were one host.
package aggregate

import (
	"encoding/json"
	"strconv"
)

// Event is one decoded Hystrix metrics JSON object (a "data:" line of a
// hystrix.stream). Numbers must be json.Number: decode with UseNumber.
// An Event handed to this package is never modified afterwards.
type Event = map[string]any

// Fields with special meaning in a merged event.
const (
	FieldType           = "type"
	FieldName           = "name"
	FieldReportingHosts = "reportingHosts"
	FieldCurrentTime    = "currentTime"
	propertyPrefix      = "propertyValue_"
)

// summedProperties are the propertyValue_* numbers the Hystrix dashboard
// divides by reportingHosts (convertAvg in hystrixCommand.js and
// hystrixThreadPool.js). They are summed, as Turbine 1 did, so the dashboard
// shows the per-host value and computes the right request rate.
var summedProperties = map[string]bool{
	"propertyValue_metricsRollingStatisticalWindowInMilliseconds": true,
	"propertyValue_queueSizeRejectionThreshold":                   true,
}

// Merge folds the latest event of each host into one event. events must be
// in a stable order (by host); "first" below means events[0] that has the key.
//
//   - reportingHosts: the number of events (hosts).
//   - currentTime: the newest of the hosts.
//   - numbers: summed (integers stay integers). This includes errorPercentage,
//     latencyExecute_mean and latencyTotal_mean: like Netflix Turbine, the
//     dashboard divides those by reportingHosts to show the per-host average.
//   - nested objects (latencyExecute, latencyTotal percentiles): merged key by
//     key with the same rules, so each percentile is the sum over hosts and the
//     dashboard's getInstanceAverage turns it into the mean of the hosts.
//   - booleans: OR (isCircuitBreakerOpen is true when any host has it open).
//   - propertyValue_*: taken from the first host, except summedProperties.
//   - strings and anything else: taken from the first host.
func Merge(events []Event) Event {
	if len(events) == 0 {
		return nil
	}
	out := mergeObjects(events, true)
	out[FieldReportingHosts] = json.Number(strconv.Itoa(len(events)))
	return out
}

func mergeObjects(objs []map[string]any, top bool) map[string]any {
	keys := make([]string, 0, len(objs[0]))
	seen := make(map[string]bool, len(objs[0]))
	for _, o := range objs {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	out := make(map[string]any, len(keys))
	values := make([]any, 0, len(objs))
	for _, k := range keys {
		values = values[:0]
		for _, o := range objs {
			if v, ok := o[k]; ok {
				values = append(values, v)
			}
		}
		out[k] = mergeValues(k, values, top)
	}
	return out
}

// mergeValues merges the values one key has on several hosts. The type of the
// first value decides the rule; values of another type are ignored.
func mergeValues(key string, values []any, top bool) any {
	first := values[0]
	if top && key == FieldCurrentTime {
		return maxNumber(values)
	}
	if top && len(key) > len(propertyPrefix) && key[:len(propertyPrefix)] == propertyPrefix && !summedProperties[key] {
		return first
	}
	switch first.(type) {
	case json.Number:
		return sumNumbers(values)
	case bool:
		for _, v := range values {
			if b, ok := v.(bool); ok && b {
				return true
			}
		}
		return false
	case map[string]any:
		objs := make([]map[string]any, 0, len(values))
		for _, v := range values {
			if m, ok := v.(map[string]any); ok {
				objs = append(objs, m)
			}
		}
		return mergeObjects(objs, false)
	default:
		return first
	}
}

// sumNumbers adds the json.Number values; the result is an integer when every
// value is one, else a float.
func sumNumbers(values []any) json.Number {
	var isum int64
	var fsum float64
	allInt := true
	for _, v := range values {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		if allInt {
			if i, err := n.Int64(); err == nil {
				isum += i
				fsum += float64(i)
				continue
			}
			allInt = false
		}
		if f, err := n.Float64(); err == nil {
			fsum += f
		}
	}
	if allInt {
		return json.Number(strconv.FormatInt(isum, 10))
	}
	return json.Number(strconv.FormatFloat(fsum, 'f', -1, 64))
}

// maxNumber returns the largest json.Number of values, or the first value
// when none is a number.
func maxNumber(values []any) any {
	var best json.Number
	var bestF float64
	for _, v := range values {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		f, err := n.Float64()
		if err != nil {
			continue
		}
		if best == "" || f > bestF {
			best, bestF = n, f
		}
	}
	if best == "" {
		return values[0]
	}
	return best
}
