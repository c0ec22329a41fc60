// a small XRBench-style scenario
Network HT {
FPS: 30
Layer CONV1 { Type: CONV
Dimensions: { N: 1, K: 16, C: 3, Y: 32, X: 32, R: 3, S: 3 } }
Layer DW { Type: DSCONV Dimensions: { K: 16, C: 16, Y: 30, X: 30, R: 3, S: 3 } }
}
Network GE {
FPS: 30
Dependency: { HT }
Probability: 0.5
Layer FC { Type: CONV Dimensions: { N: 1, K: 10, C: 64, Y: 1, X: 1, R: 1, S: 1 } }
}
