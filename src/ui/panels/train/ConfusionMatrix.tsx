import { perClassAccuracy } from '../../../store/training-plan';
import { percent } from '../../format';

interface Props {
  /** What the matrix is of, e.g. "CoOp, 2 shots". */
  title: string;
  classes: readonly string[];
  /** confusion[true class][predicted class]: test image counts. */
  confusion: readonly (readonly number[])[];
}

/**
 * Where each class's test images went: rows are true classes, columns predictions, a cell shaded by its
 * share of its row. The diagonal is what the method got right; the last column is each class's accuracy.
 */
export function ConfusionMatrix({ title, classes, confusion }: Props) {
  const accuracy = perClassAccuracy(confusion);
  return (
    <div className="table-scroll">
      <table className="confusion-matrix" data-testid="confusion-matrix" data-method={title}>
        <caption>
          {title}: rows are true classes, columns the predicted class; each cell counts test images
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">True class</span>
            </th>
            {classes.map((name) => (
              <th key={name} scope="col" className="predicted">
                {name}
              </th>
            ))}
            <th scope="col" className="numeric">
              Accuracy
            </th>
          </tr>
        </thead>
        <tbody>
          {confusion.map((row, i) => {
            const total = row.reduce((s, v) => s + v, 0);
            const name = classes[i] ?? String(i);
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                {row.map((count, j) => {
                  const share = total === 0 ? 0 : count / total;
                  return (
                    <td
                      key={classes[j] ?? j}
                      className={i === j ? 'cell diagonal' : 'cell'}
                      style={{
                        background: `color-mix(in srgb, var(--accent) ${Math.round(share * 85)}%, transparent)`,
                      }}
                      data-strong={share > 0.5 ? 'true' : undefined}
                    >
                      {count}
                    </td>
                  );
                })}
                <td className="numeric" data-testid="class-accuracy" data-class={name}>
                  {accuracy[i] === null || accuracy[i] === undefined ? '—' : percent(accuracy[i])}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
