namespace CoSeg.Evaluation;

/// <summary>Scores of predicted label maps against ground truth (see <see cref="LabelMapScorer"/>).</summary>
/// <param name="MeanIoU">Mean over the ground-truth classes present of IoU = TP / (TP + FP + FN), on labelled pixels.</param>
/// <param name="Accuracy">Fraction of labelled pixels predicted correctly.</param>
/// <param name="PQ">Scene-level, class-agnostic panoptic quality (<see cref="SegmentationPanopticQuality"/>).</param>
/// <param name="Views">Views scored.</param>
/// <param name="ClassIoU">IoU per ground-truth class id.</param>
public sealed record SegmentationScores(double MeanIoU, double Accuracy, double PQ, int Views, IReadOnlyDictionary<int, double> ClassIoU);
