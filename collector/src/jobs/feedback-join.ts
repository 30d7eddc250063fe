/**
 * The SQL of predictions joined with their newest feedback (per prediction id, the feedback
 * received last wins), as a FROM-clause fragment with the columns the quality metrics read:
 * `PL` predicted label (the label output as text), `HasS`/`S` the score output, `HasPV`/`PV` the
 * predicted value, `L`/`V` the true label and value. Values are bound by the caller as
 * `{project:String}`, `{labelOut:String}`, `{scoreOut:String}`, `{valueOut:String}` plus whatever
 * `range` uses; column names differ from the tables' so the join is unambiguous.
 *
 * @param range a WHERE condition on `predictions` selecting the rows to join
 * @param extra additional select items for the predictions side and the feedback side
 */
export function predictionFeedbackJoin(range: string, extra: { predictions?: string; feedback?: string } = {}): string {
  const p = extra.predictions ? `${extra.predictions}, ` : '';
  const f = extra.feedback ? `, ${extra.feedback}` : '';
  return `
    (SELECT PredictionId AS Pid, ${p}
            multiIf(mapContains(CategoricalOutputs, {labelOut:String}), CategoricalOutputs[{labelOut:String}],
                    mapContains(NumericOutputs, {labelOut:String}), toString(NumericOutputs[{labelOut:String}]), '') AS PL,
            mapContains(NumericOutputs, {scoreOut:String}) AS HasS, NumericOutputs[{scoreOut:String}] AS S,
            mapContains(NumericOutputs, {valueOut:String}) AS HasPV, NumericOutputs[{valueOut:String}] AS PV
     FROM predictions WHERE ${range}) AS p
    INNER JOIN
    (SELECT PredictionId AS Fid, argMax(Label, ReceivedAt) AS L, argMax(Value, ReceivedAt) AS V${f}
     FROM feedback WHERE Project = {project:String} AND PredictionId IN (SELECT PredictionId FROM predictions WHERE ${range})
     GROUP BY PredictionId) AS f ON p.Pid = f.Fid`;
}
